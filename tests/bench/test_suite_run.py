"""A suite through `edgevfm bench --suite`: the one harness's JSON schema, profiles and expectations,
on a small DINOv2 (112², random weights), two runs. No timing is asserted, only what was recorded."""
import json
import shutil

import pytest

SUITE = """
name: tiny
description: two presets of a small DINOv2
threads: 1
warmup: 0
runs: 2
reuse: true
memory: false
baselines: [plain-onnx-fp32]
models:
  - model: dinov2
    variant: vits14
    set: ["input_size=[112, 112]"]
    targets: [onnx-fp32, x86-fp32]
    baseline: onnx-fp32
    profile: [onnx-fp32, x86-fp32, plain onnx export fp32, not-a-row]
    expect:
      - {row: x86-fp32, vs: onnx-fp32, at_least: 0.000001}
      - {row: x86-fp32, min_sqnr_db: 1000}
      - {row: arm-int8, vs: onnx-fp32, at_least: 2}
"""


@pytest.fixture(scope="module")
def suite_result(small_dino, tmp_path_factory):
    from edgevfm.cli.main import main

    tmp = tmp_path_factory.mktemp("suite")
    (tmp / "tiny.yaml").write_text(SUITE)
    work = tmp / "work"
    shutil.copytree(small_dino, work / small_dino.name)  # reused: same model, weights, preset and recipe
    assert main(["bench", "--suite", str(tmp / "tiny.yaml"), "-o", str(work), "--results", str(tmp / "out"),
                 "--runs", "2"]) == 0
    return json.loads((tmp / "out" / "tiny.json").read_text()), (tmp / "out" / "tiny.md").read_text()


def test_result_schema_host_and_settings(suite_result):
    result, _ = suite_result
    assert result["kind"] == "edgevfm-bench" and result["schema_version"] == 1
    assert result["command"].startswith("edgevfm bench --suite") and result["wall_seconds"] > 0
    assert result["suite"]["name"] == "tiny" and "--runs 2" in result["suite"]["note"]
    assert {"cpu", "usable_cpus", "isa", "loadavg", "loadavg_after", "memory_mb"} <= set(result["host"])
    s = result["settings"]
    assert s["cool_down_ms"] == 200.0 and s["runs"] == 2 and s["threads"] == 1 and "interleaved" in s["order"]
    [g] = result["groups"]
    assert (g["model"], g["headline"], g["baseline"]) == ("dinov2", "features", "onnx-fp32")
    assert [r["name"] for r in g["rows"]] == ["plain onnx export fp32", "onnx-fp32", "x86-fp32"]
    for r in g["rows"]:
        assert len(r["samples_ms"]["features"]) == 2 and r["latency_ms"]["features"]["n"] == 2
        assert r["speedup"]["features"]["vs"] == "onnx-fp32"
    assert [t["preset"] for t in g["targets"]] == ["onnx-fp32", "x86-fp32"]


def test_profiles_through_the_session_hook(suite_result):
    result, md = suite_result
    rows = {r["name"]: r for r in result["groups"][0]["rows"]}
    for name in ("onnx-fp32", "x86-fp32", "plain onnx export fp32"):
        ops = rows[name]["profile"]["encoder"]
        assert ops and all(o["ms"] >= 0 and 0 <= o["share"] <= 1 for o in ops)
        assert sum(o["share"] for o in ops) <= 1.01  # shares are rounded to 0.001
    assert any("[" in o["op"] for o in rows["x86-fp32"]["profile"]["encoder"])  # OpenVINO: layer type [kernel]
    assert "x86-fp32 encoder profile" in md


def test_expectations_are_checked_and_reported(suite_result):
    result, md = suite_result
    e = result["groups"][0]["expectations"]
    assert [x["passed"] for x in e] == [True, False, None]  # a ratio > 0; no SQNR reaches 1000 dB; no such row
    assert e[1]["value"] < 1000
    assert "**FAIL**" in md and "**not measured**" in md


def test_a_variant_contender_is_timed_in_the_entrys_group(small_dino, tmp_path):
    """A student is another variant of the model: its row joins the teacher's group (one interleaved
    loop, speed-up vs the teacher) instead of a group of its own."""
    from edgevfm.cli.main import main

    (tmp_path / "students.yaml").write_text("""
name: students
threads: 1
warmup: 0
runs: 2
reuse: true
memory: false
baselines: []
models:
  - model: dinov2
    variant: vits14
    set: ["input_size=[112, 112]"]
    targets: [onnx-fp32]
    contenders:
      - {name: reg student, kind: variant, options: {variant: vits14-reg, set: ["input_size=[112, 112]"]}}
    baseline: onnx-fp32
""")
    work = tmp_path / "work"
    shutil.copytree(small_dino, work / small_dino.name)
    assert main(["bench", "--suite", str(tmp_path / "students.yaml"), "-o", str(work), "--results", str(tmp_path)]) == 0
    [g] = json.loads((tmp_path / "students.json").read_text())["groups"]
    assert g["variant"] == "vits14" and [r["name"] for r in g["rows"]] == ["reg student", "onnx-fp32"]
    student = g["rows"][0]
    assert student["variant"] == "vits14-reg" and student["speedup"]["features"]["vs"] == "onnx-fp32"
    assert (work / "dinov2-vits14-reg-onnx-fp32" / "manifest.json").is_file()
