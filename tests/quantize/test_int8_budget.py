"""INT8 that adapts: with the fallback on, the SAM INT8 presets fall back to float, aiming at their parity gate
(+ its margin) measured on calibration feeds, and a component that misses it all-INT8 is brought back
above it, with what stayed float, and why, in the quantization record the manifest carries."""
import pytest

from edgevfm.quantize.budget import with_gate_targets
from edgevfm.quantize.feeds import sqnr_db
from edgevfm.recipes import component_quantize
from edgevfm.targets import recipe_for


@pytest.mark.parametrize("preset", ["x86-int8", "onnx-int8"])
def test_sam_int8_fallback_aims_at_the_gate(preset):
    r = recipe_for("sam", preset, overrides=["quantize.sensitivity.enabled=true"])
    sens = component_quantize(with_gate_targets(r, ["encoder"]), "encoder")["sensitivity"]
    gate = r["parity"]["thresholds"]["encoder"]["image_embeddings"]["sqnr_db"]
    assert sens["enabled"] and sens["target_sqnr_db"] == gate + sens["margin_db"] >= gate
    assert sens["target_from"].startswith("parity gate encoder.image_embeddings")
    # a target given explicitly (--parity-target) is not replaced by the gate's
    explicit = recipe_for("sam", preset, overrides=["quantize.sensitivity.enabled=true",
                                                    "quantize.sensitivity.target_sqnr_db=33"])
    assert component_quantize(with_gate_targets(explicit, ["encoder"]), "encoder")["sensitivity"]["target_sqnr_db"] == 33


def _strict(preset: str, gate_db: float, extra=()) -> dict:
    """The preset's encoder settings with a gate the tiny model misses all-INT8 (~31 dB)."""
    r = recipe_for("sam", preset, overrides=["quantize.sensitivity.enabled=true", "quantize.sensitivity.margin_db=0",
                                             f"parity.thresholds.encoder.image_embeddings.sqnr_db={gate_db}", *extra])
    return component_quantize(with_gate_targets(r, ["encoder"]), "encoder")


def test_x86_int8_accuracy_control_meets_the_gate(tiny_onnx, tiny_feeds, monkeypatch):
    import logging

    ov = pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import nncf_quantize

    # 35 dB (the recipe margin is 0): reachable, as activations (not the 7-bit weights, ~37 dB here) are what fall back
    q = _strict("x86-int8", 35, ["quantize.sensitivity.strategy=accuracy-control"])
    # as after the CLI's quiet mode (cli/quiet.py): NNCF's INFO log, which the record is read from, is off
    monkeypatch.setattr(logging.getLogger("nncf"), "level", logging.ERROR)
    m = ov.convert_model(str(tiny_onnx))
    qm, info = nncf_quantize(m, feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert s["method"] == "nncf quantize_with_accuracy_control" and s["target_sqnr_db"] == 35
    assert s["all_int8"]["sqnr_db"] < 35 <= s["sqnr_db"] and s["reached"]
    assert s["reverted"] and set(s["reverted"]) <= set(info["float_kept"]["nodes"])
    assert "until the target held" in s["why"] and "calibration" in s["measured_on"]
    core = ov.Core()
    a, b = (core.compile_model(x, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}) for x in (m, qm))
    assert sqnr_db(a(tiny_feeds[-1])[0], b(tiny_feeds[-1])[0]) == pytest.approx(s["sqnr_db"], abs=0.1)


def test_onnx_int8_block_fallback_meets_the_gate(tiny_onnx, tiny_feeds, tmp_path):
    pytest.importorskip("onnxruntime")
    from edgevfm.quantize.ort_static import _session, quantize_static_qdq

    # the SAM block patterns, written for the tiny model's names
    q = _strict("onnx-int8", 40, ["quantize.sensitivity.blocks=['/(stem)/', '/(blocks\\.\\d+)/']"])
    info = quantize_static_qdq(tiny_onnx, tmp_path / "q.onnx", feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert s["target_sqnr_db"] == 40 and s["all_int8"]["sqnr_db"] < 40 and s["reached"]
    assert s["fallbacks"][-1]["sqnr_db"] >= 40 and "calibration" in s["measured_on"]
    kept = [n for f in s["fallbacks"] for n in info["float_kept"]["nodes"] if f["block"] in n]
    assert kept, info["float_kept"]
    ref, got = _session(tiny_onnx)(tiny_feeds[-1]), _session(tmp_path / "q.onnx")(tiny_feeds[-1])
    assert sqnr_db(ref["out"], got["out"]) >= 40


def test_x86_int8_accuracy_control_out_of_time_keeps_the_component_float(tiny_onnx, tiny_feeds):
    """The time budget ends NNCF's ranking; the component is kept whole in float and the record says so."""
    ov = pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import float_layers, nncf_quantize

    q = _strict("x86-int8", 60, ["quantize.sensitivity.strategy=accuracy-control", "quantize.sensitivity.max_seconds=0"])  # all-INT8 (~31 dB) misses 60 dB
    m = ov.convert_model(str(tiny_onnx))
    qm, info = nncf_quantize(m, feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert s["full_fallback"] and s["reached"] and s["stopped"] == "time budget of 0 s spent"
    assert s["all_int8"]["sqnr_db"] < 60 and "whole component kept in float" in s["why"]
    assert not any(op.get_type_name() == "FakeQuantize" for op in qm.get_ordered_ops())
    assert info["float_kept"]["nodes"] == float_layers(m)


def test_x86_int8_block_fallback_spent_keeps_the_component_float(tiny_onnx, tiny_feeds):
    ov = pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import nncf_quantize

    q = _strict("x86-int8", 60, ["quantize.sensitivity.strategy=blocks", "quantize.sensitivity.max_fallbacks=1",
                                 "quantize.sensitivity.blocks=['/(stem)/', '/(blocks/blocks\\.\\d+)/']"])
    qm, info = nncf_quantize(ov.convert_model(str(tiny_onnx)), feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert [f["block"] for f in s["fallbacks"]][0] == "stem" and s["full_fallback"] and s["reached"]
    assert s["stopped"] == "max_fallbacks (1) reached"
    assert not any(op.get_type_name() == "FakeQuantize" for op in qm.get_ordered_ops())


def test_x86_int8_revert_blocks_meets_the_gate_without_requantizing(tiny_onnx, tiny_feeds, monkeypatch):
    """Blocks fall back by bypassing their activation quantizers in the quantized model: ranked, worst
    first, until the target holds; the reverted blocks' layers are float-kept, the rest stay INT8."""
    ov = pytest.importorskip("openvino")
    nncf = pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import nncf_quantize

    runs = []
    real = nncf.quantize
    monkeypatch.setattr(nncf, "quantize", lambda *a, **k: runs.append(1) or real(*a, **k))
    # 32.5 dB: between all-INT8 (~32.0) and every activation quantizer bypassed (~32.8; the 7-bit weights stay)
    q = _strict("x86-int8", 32.5, ["quantize.sensitivity.strategy=revert-blocks",
                                 "quantize.sensitivity.blocks=['/(stem)/', '/(blocks/blocks\\.\\d+)/']"])
    m = ov.convert_model(str(tiny_onnx))
    qm, info = nncf_quantize(m, feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert len(runs) == 1  # quantized once
    assert s["all_int8"]["sqnr_db"] < 32.5 and s["reached"] and not s["full_fallback"]
    assert [f["block"] for f in s["fallbacks"]] == ["blocks/blocks.1"]  # the block with 8x weights (conftest)
    assert set(s["ranking_sqnr_db_if_kept_float"]) == {"stem", "blocks/blocks.0", "blocks/blocks.1", "blocks/blocks.2"}
    kept = info["float_kept"]["nodes"]
    reverted = [f["block"] for f in s["fallbacks"]]
    assert reverted and all(any(b in n for n in kept) for b in reverted)
    assert any(op.get_type_name() == "FakeQuantize" for op in qm.get_ordered_ops())  # the rest is still INT8
    core = ov.Core()
    a, b = (core.compile_model(x, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}) for x in (m, qm))
    assert sqnr_db(a(tiny_feeds[-1])[0], b(tiny_feeds[-1])[0]) == pytest.approx(s["fallbacks"][-1]["sqnr_db"], abs=0.1)


def test_x86_int8_revert_blocks_above_its_ceiling_skips_the_search(tiny_onnx, tiny_feeds):
    """Bypassing every activation quantizer leaves the INT8 weights (~32.8 dB here): a 34 dB target is out of
    reach of any block fallback, so nothing is ranked and the component is kept in float."""
    ov = pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    from edgevfm.quantize.nncf_ov import nncf_quantize

    q = _strict("x86-int8", 34, ["quantize.sensitivity.strategy=revert-blocks",
                                 "quantize.sensitivity.blocks=['/(stem)/', '/(blocks/blocks\\.\\d+)/']"])
    qm, info = nncf_quantize(ov.convert_model(str(tiny_onnx)), feeds=tiny_feeds, q=q, emit=lambda s: None)
    s = info["sensitivity"]
    assert s["stopped"].startswith("no partial fallback reaches the target") and s["full_fallback"] and s["reached"]
    assert s["ranking_sqnr_db_if_kept_float"] == "recipe order" and len(s["fallbacks"]) == 1
    assert not any(op.get_type_name() == "FakeQuantize" for op in qm.get_ordered_ops())
