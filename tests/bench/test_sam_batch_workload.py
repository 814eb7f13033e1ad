"""The SAM ``batch`` workload through the one harness: K single calls vs one batched call and segment
everything as steps of every row, within-row ratios in the result, the Markdown and the expectations.
No timing is asserted, only what was recorded."""
from pathlib import Path

import numpy as np
import pytest

from edgevfm.bench.suite import SuiteError, load_suite

REPO = Path(__file__).resolve().parents[2]


def test_batch_workload_steps_and_ratios(sam_bundle):
    import edgevfm_runtime as rt
    from edgevfm_runtime.bench.workloads import build_workload

    image = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    wl = build_workload(rt.open(sam_bundle), image, kind="batch", box_counts=(1, 3), grid_sides=(4,))
    assert list(wl.steps) == ["boxes1_singles", "boxes1_batched", "boxes3_singles", "boxes3_batched", "everything4"]
    assert wl.ratios == {"K=1": ("boxes1_singles", "boxes1_batched"), "K=3": ("boxes3_singles", "boxes3_batched")}
    assert wl.headline == "boxes3_batched"
    masks, scores, low = wl.steps["boxes3_batched"]()
    assert masks.shape == (3, 3, 96, 128) and scores.shape == (3, 3) and low.shape == (3, 3, 256, 256)
    assert isinstance(wl.steps["everything4"](), list)


def test_unknown_workload_kind_names_the_known_ones(sam_bundle):
    import edgevfm_runtime as rt
    from edgevfm_runtime.bench.workloads import build_workload

    with pytest.raises(ValueError, match="no 'batches' workload .*known: batch"):
        build_workload(rt.open(sam_bundle), np.zeros((8, 8, 3), np.uint8), kind="batches")


def _group(ratio: float) -> dict:
    r = {"slow": "boxes32_singles", "fast": "boxes32_batched", "speedup": ratio, "ci95": [ratio, ratio],
         "band": [ratio * 0.9, ratio * 1.1]}
    return {"model": "sam", "variant": "vit_t", "headline": "boxes32_batched", "baseline": "onnx-fp32",
            "rows": [{"name": "onnx-fp32", "latency_ms": {"boxes32_batched": {"p50": 1.0, "p90": 1.0, "iqr_rel": 0}},
                      "ratios": {"K=32": r}}]}


def test_ratio_expectation_and_markdown():
    from edgevfm_runtime.bench.expect import check_expectation
    from edgevfm_runtime.bench.report import to_markdown

    rule = {"row": "onnx-fp32", "ratio": "K=32", "at_least": 4.0}
    assert check_expectation(_group(1.5), rule)["passed"] is False
    assert check_expectation(_group(4.5), rule)["passed"] is True
    assert check_expectation(_group(4.5), {**rule, "row": "x86-int8"})["passed"] is None  # not a row: not measured
    g = {**_group(1.5), "expectations": [check_expectation(_group(1.5), rule)]}
    md = to_markdown({"created": "t", "settings": {"runs": 1, "warmup": 0, "threads": 2}, "host": {}, "groups": [g]})
    assert "K=32 = boxes32_singles / boxes32_batched" in md and "| onnx-fp32 | 1.50× (1.35–1.65) |" in md
    assert "onnx-fp32 K=32 ≥ 4× (boxes32_singles / boxes32_batched): **FAIL** (measured 1.50×" in md


@pytest.mark.parametrize("name", ["sam_batch", "sam_batch_quick"])
def test_sam_batch_suites_load(name):
    boxes, everything = load_suite(REPO / "bench" / "suites" / f"{name}.yaml")["entries"]
    for e in (boxes, everything):
        assert e["workload"] == "batch" and e["targets"][0] == "onnx-fp32"
        assert "litert.prompt_batches=[8, 32]" in e["set"]
    assert "android-fp32" in boxes["targets"]
    assert boxes["workload_options"]["box_counts"] == [1, 8, 32] and not boxes["workload_options"]["grid_sides"]
    assert not everything["workload_options"]["box_counts"] and 16 in everything["workload_options"]["grid_sides"]
    assert {"row": "onnx-fp32", "ratio": "K=32", "at_least": 4.0} in boxes["expect"]


@pytest.mark.parametrize("rule", ["{row: a, ratio: K=32}", "{row: a, ratio: K=32, vs: b, at_least: 2}",
                                  "{row: a, at_least: 2}", "{row: a, max_ms: 2, min_sqnr_db: 3}",
                                  "{row: a, min_task: {x: 1, y: 2}}"])
def test_malformed_ratio_expectations_are_errors(tmp_path, rule):
    p = tmp_path / "s.yaml"
    p.write_text(f"models:\n  - model: sam\n    targets: onnx-fp32\n    expect: [{rule}]\n")
    with pytest.raises(SuiteError, match="needs `row` and one of"):
        load_suite(p)


def _timed(name: str, ms: list[float], mask_iou: float) -> dict:
    return {"name": name, "samples_ms": {"predict": ms}, "parity": {"task": {"mask_iou": mask_iou}}}


def test_absolute_latency_and_task_expectations():
    from edgevfm_runtime.bench.expect import check_expectation

    group = {"headline": "predict", "rows": [_timed("fast", [9.0, 14.0, 30.0], 0.995),
                                             _timed("slow", [16.0, 15.5, 12.0], 0.97)]}
    assert check_expectation(group, {"row": "fast", "max_ms": 15}) == {
        "rule": "fast predict p50 ≤ 15 ms", "value": 14.0, "unit": "ms", "passed": True}
    assert check_expectation(group, {"row": "slow", "max_ms": 15})["passed"] is False  # p50 15.5
    assert check_expectation(group, {"row": "none", "max_ms": 15})["passed"] is None
    assert check_expectation(group, {"row": "fast", "min_task": {"mask_iou": 0.99}})["passed"] is True
    assert check_expectation(group, {"row": "slow", "min_task": {"mask_iou": 0.99}})["passed"] is False
    assert check_expectation(group, {"row": "fast", "min_task": {"cosine": 0.99}})["passed"] is None
    from edgevfm_runtime.bench.report import expectation_lines

    lines = expectation_lines({"expectations": [check_expectation(group, {"row": "slow", "max_ms": 15}),
                                                check_expectation(group, {"row": "fast",
                                                                          "min_task": {"mask_iou": 0.99}})]})
    assert lines[:2] == ["* expected slow predict p50 ≤ 15 ms: **FAIL** (measured 15.5 ms)",
                         "* expected fast mask_iou ≥ 0.99: **PASS** (measured 0.995)"]


def test_sam_predict_suite_loads():
    (e,) = load_suite(REPO / "bench" / "suites" / "sam_predict.yaml")["entries"]
    assert e["headline"] == "predict" and "android-fp32" in e["targets"]
    assert {"row": "android-fp32", "max_ms": 15} in e["expect"]
    assert any(c["options"].get("set") == ["decoder.fast=false"] for c in e["contenders"])
