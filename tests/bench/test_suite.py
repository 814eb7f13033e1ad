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
