"""Suite files are schema-checked data; the published suite loads."""
from pathlib import Path

import pytest

from edgevfm.bench.suite import SuiteError, load_suite, suites_dir

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

    result = {"created": "2026-01-01T00:00:00+00:00", "command": "edgevfm bench --suite edge",
              "wall_seconds": 90, "suite": {"name": "edge", "description": "edge presets", "path": "x"},
              "settings": {"runs": 1, "warmup": 0, "threads": 2}, "host": {},
              "groups": [{"model": "sam", "variant": "vit_t", "headline": "pipeline", "baseline": "onnx-fp32",
                          "rows": [{"name": "ios-fp16", "status": "not-verifiable", "reason": "not verifiable here",
                                    "size_bytes": 2.65e7}]}]}
    [md] = write_outputs(result, md_path=tmp_path / "edge.md")
    text = md.read_text()
    assert text.startswith("Command: `edgevfm bench --suite edge` (wall time 1.5 min)")
    assert "| ☑ | ios-fp16 |  |  | 26.5 | not verifiable here |" in text and "☑ exported, parity not verifiable" in text


def _suite(tmp_path, text: str):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("text, message", [
    ("models:\n  - model: sam\n    targets: [onnx-fp23]\n", "unknown (preset|target) 'onnx-fp23'.*did you mean 'onnx-fp32'"),
    ("models:\n  - model: sam\n    baselines: [pytorch-eager-fp23]\n",
     "unknown baseline 'pytorch-eager-fp23'.*did you mean 'pytorch-eager-fp32'"),
    ("models:\n  - model: sam\n    contenders: [{name: x, kind: oficial-mobilesam}]\n",
     "unknown contender kind 'oficial-mobilesam'.*did you mean 'official-mobilesam'"),
    ("models:\n  - model: sam\n    contenders: [{kind: bundle}]\n", r"contenders\[0\] needs `name` and `kind`"),
    ("models:\n  - model: samm\n", "unknown model 'samm'.*did you mean 'sam'"),
    ("models:\n  - model: sam\n    expect: [{row: x86-int8, vs: onnx-fp32}]\n", "needs `row` and one of"),
    ("models:\n  - model: sam\n    expect: [{row: x86-int8, at_lest: 2}]\n", "did you mean 'at_least'"),
])
def test_suite_errors_name_the_place_and_the_fix(tmp_path, text, message):
    with pytest.raises(SuiteError, match=message) as err:
        load_suite(_suite(tmp_path, text))
    assert "s.yaml: models[0]" in str(err.value) or "models[0]" in str(err.value)


def test_suite_by_name_and_unknown_name(monkeypatch):
    assert load_suite("published")["name"] == "published"
    with pytest.raises(SuiteError, match="did you mean 'published'"):
        load_suite("publishd")


def test_target_patterns_follow_the_preset_registry(tmp_path, monkeypatch):
    """A pattern picks up presets registered later (e.g. another engine's) without editing the suite;
    a pattern matching none is allowed, a plain name must be a preset."""
    from edgevfm.targets import PRESETS, Preset

    p = _suite(tmp_path, 'models:\n  - model: dinov2\n    targets: [onnx-fp32, "android-*", "nothing-yet-*"]\n')
    before = load_suite(p)["entries"][0]["targets"]
    assert before[0] == "onnx-fp32" and {"android-fp32", "android-int8"} <= set(before)
    assert all(t == "onnx-fp32" or t.startswith("android-") for t in before)
    monkeypatch.setitem(PRESETS._items, "nothing-yet-fp32", Preset("nothing-yet-fp32", "onnx", "fp32", "test"))
    assert load_suite(p)["entries"][0]["targets"] == before + ["nothing-yet-fp32"]


def test_contender_options_expand_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILESAM_SRC", "/somewhere/MobileSAM")
    p = _suite(tmp_path, "models:\n  - model: sam\n    contenders:\n"
                         "      - {name: official, kind: official-mobilesam, options: {src: '${MOBILESAM_SRC}'}}\n")
    [c] = load_suite(p)["entries"][0]["contenders"]
    assert c == {"name": "official", "kind": "official-mobilesam", "options": {"src": "/somewhere/MobileSAM"}}


@pytest.mark.parametrize("name", sorted(f.stem for f in suites_dir().glob("*.yaml")))
def test_published_suites_load(name):
    suite = load_suite(name)
    assert suite["entries"] and all(e["targets"] for e in suite["entries"])


def test_runs_override_is_recorded_in_the_note(tmp_path):
    from edgevfm.cli.bench import with_overrides

    suite = with_overrides(load_suite("published"), runs=3, warmup=None)
    assert [e["runs"] for e in suite["entries"]] == [3, 3, 3]
    assert suite["note"].startswith("Reduced from the suite's settings: --runs 3") and "sam 8" in suite["note"]
    assert with_overrides(load_suite("published"), runs=None, warmup=None)["note"] == ""


def test_only_and_no_memory_are_recorded_and_checked():
    from edgevfm.cli.bench import with_overrides
    from edgevfm_runtime.errors import InputError

    suite = with_overrides(load_suite("published"), runs=None, warmup=None, only=["clip"], memory=False)
    assert [e["model"] for e in suite["entries"]] == ["clip"] and not suite["entries"][0]["memory"]
    assert "Only clip of the suite's sam, dinov2, clip" in suite["note"] and "--no-memory" in suite["note"]
    with pytest.raises(InputError, match="--only clp: not in suite published"):
        with_overrides(load_suite("published"), runs=None, warmup=None, only=["clp"])


def test_targets_override_keeps_those_presets_and_says_which_were_dropped():
    from edgevfm.cli.bench import with_overrides
    from edgevfm_runtime.errors import InputError

    suite = with_overrides(load_suite("sam_quant_x86"), runs=None, warmup=None, targets=["x86-int8", "onnx-fp32"])
    assert suite["entries"][0]["targets"] == ["onnx-fp32", "x86-int8"]
    assert "--targets" in suite["note"] and "not run: arm-int8, onnx-int8, x86-bf16" in suite["note"]
    with pytest.raises(InputError, match="--targets x86-int9: not among suite sam_quant_x86's presets"):
        with_overrides(load_suite("sam_quant_x86"), runs=None, warmup=None, targets=["x86-int9"])
