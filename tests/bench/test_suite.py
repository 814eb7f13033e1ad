"""Suite files are schema-checked data; the published suite loads."""
from pathlib import Path

import pytest

from edgevfm.bench.suite import SuiteError, load_suite

REPO = Path(__file__).resolve().parents[2]


def test_published_suite_loads():
    suite = load_suite(REPO / "bench" / "suites" / "published.yaml")
    models = [e["model"] for e in suite["entries"]]
    assert models == ["sam", "dinov2", "clip"]
    for e in suite["entries"]:
        assert e["runs"] > 0 and e["weights"].startswith("random") and e["baselines"]
    clip = suite["entries"][2]
    assert clip["variant"] in ("tinyclip-8m16", "vit-b-32") and "onnx-fp32" in clip["targets"]


def test_unknown_key_is_an_error_with_a_hint(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("models:\n  - model: sam\n    target: [onnx-fp32]\n")
    with pytest.raises(SuiteError, match="did you mean 'targets'"):
        load_suite(p)


def test_entry_overrides_suite_defaults(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("runs: 7\nthreads: 2\nmodels:\n  - model: dinov2\n    runs: 3\n    targets: onnx-fp32\n  - model: clip\n")
    a, b = load_suite(p)["entries"]
    assert (a["runs"], a["threads"], a["targets"]) == (3, 2, ["onnx-fp32"])
    assert (b["runs"], b["targets"], b["weights"]) == (7, None, "random:0")


def test_edge_suite_loads_with_onnx_fp32_as_the_reference_row():
    from edgevfm.targets import PRESETS

    suite = load_suite(REPO / "bench" / "suites" / "edge.yaml")
    assert [e["model"] for e in suite["entries"]] == ["sam", "dinov2", "clip"] and suite["reuse"]
    for e in suite["entries"]:
        assert e["targets"][0] == "onnx-fp32" and e["baselines"] == []  # speed-ups are vs onnx-fp32
        assert {"android-fp32", "android-fp16", "android-int8", "jetson-fp16", "jetson-int8", "ios-fp16",
                "ios-int8"} <= set(e["targets"])
        assert all(PRESETS.get(t) for t in e["targets"])


def test_markdown_names_the_command(tmp_path):
    from edgevfm_runtime.bench.output import write_outputs

    result = {"created": "2026-01-01T00:00:00+00:00", "command": "python bench/run_suite.py bench/suites/edge.yaml",
              "wall_seconds": 90, "suite": {"name": "edge", "description": "edge presets", "path": "x"},
              "settings": {"runs": 1, "warmup": 0, "threads": 2}, "host": {},
              "groups": [{"model": "sam", "variant": "vit_t", "headline": "pipeline", "baseline": "onnx-fp32",
                          "rows": [{"name": "ios-fp16", "status": "not-verifiable", "reason": "not verifiable here",
                                    "size_bytes": 2.65e7}]}]}
    [md] = write_outputs(result, md_path=tmp_path / "edge.md")
    text = md.read_text()
    assert text.startswith("Command: `python bench/run_suite.py bench/suites/edge.yaml` (wall time 1.5 min)")
    assert "| ☑ | ios-fp16 |  |  | 26.5 | not verifiable here |" in text and "☑ exported, parity not verifiable" in text
