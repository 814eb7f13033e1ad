"""Full-size MobileSAM quantized exports (random:0 weights): the per-preset parity gate passes,
the manifest says what stayed float and how the engine must run; a sabotaged recipe fails the gate."""
import json

import pytest

from edgevfm.export import pipeline

pytestmark = pytest.mark.slow


def _export(tmp_path_factory, preset, *overrides):
    out = tmp_path_factory.mktemp("qbundles") / f"sam-vit_t-{preset}"
    pipeline.export("sam", target=preset, weights="random:0", output=out, overrides=list(overrides), emit=lambda s: None)
    return out, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def onnx_int8(tmp_path_factory):
    return _export(tmp_path_factory, "onnx-int8")


@pytest.fixture(scope="module")
def x86_int8(sam_x86_int8_bundle):
    return sam_x86_int8_bundle, json.loads((sam_x86_int8_bundle / "manifest.json").read_text())


def _common(m, preset):
    assert m["parity"]["status"] == "passed" and m["parity"]["gated"]
    assert m["target"]["preset"] == preset and m["target"]["precision"] == "int8"
    enc, dec = m["components"]["encoder"], m["components"]["decoder"]
    assert enc["precision"] == "int8" and dec["precision"] == "fp32" and "quantization" not in dec
    sqnr = m["parity"]["metrics"]["components"]["encoder"]["image_embeddings"]["sqnr_db"]
    assert sqnr >= m["parity"]["thresholds"]["encoder"]["image_embeddings"]["sqnr_db"]
    assert m["parity"]["metrics"]["task"]["mask_iou"] >= m["parity"]["thresholds"]["task"]["mask_iou"]
    cal = m["calibration"]
    assert cal["source"] == "skimage-samples" and "chelsea" not in cal["images"] and cal["count"] >= 4
    return enc


def test_onnx_int8_parity_and_manifest(onnx_int8):
    out, m = onnx_int8
    enc = _common(m, "onnx-int8")
    q = enc["quantization"]
    assert q["method"] == "ort-static-qdq" and q["activation_type"] == "uint8" and q["per_channel"]
    assert q["calibration"]["algorithm"] == "minmax" and q["quantized_nodes"] > 100
    assert enc["float_kept"] == q["float_kept"]["nodes"]
    assert {"LayerNormalization", "Softmax"} <= set(q["float_op_types"])  # what runs in float, by op type


def test_x86_int8_parity_manifest_and_engine(x86_int8):
    import edgevfm_runtime as rt

    out, m = x86_int8
    enc = _common(m, "x86-int8")
    assert enc["file"] == "encoder.xml" and set(enc["extra_files"]) == {"encoder.bin"}
    # the float remainder of the INT8 encoder runs bf16 (recipe); the FP32 decoder is pinned to f32
    assert enc["engine_options"] == {"INFERENCE_PRECISION_HINT": "bf16"}
    assert m["components"]["decoder"]["engine_options"] == {"INFERENCE_PRECISION_HINT": "f32"}
    assert enc["quantization"]["method"] == "nncf" and enc["quantization"]["model_type"] == "transformer"
    # the accuracy budget ran (on by default): the gate's 28 dB + the recipe's 0.3 dB margin, on calibration
    sens = enc["quantization"]["sensitivity"]
    assert sens["target_sqnr_db"] == 28.3 and sens["reached"] and "calibration" in sens["measured_on"]
    assert sens["full_fallback"] or (sens["fallbacks"] and sens["fallbacks"][-1]["sqnr_db"] >= 28.3) or \
        sens["all_int8"]["sqnr_db"] >= 28.3
    # the MatMuls/convolutions NNCF left in float are listed by name
    assert isinstance(enc["float_kept"], list) and all(isinstance(n, str) for n in enc["float_kept"])
    b = rt.open(out)
    assert b.session("decoder", threads=2).inference_precision == "f32"


def test_sabotaged_recipe_fails_the_gate_with_a_clear_message(tmp_path):
    # INT8 on every compute op of the SAM decoder (the one the recipe keeps FP32), symmetric S8
    # activations, one calibration image and prompt: it drifts far below its thresholds. (Elementwise
    # ops are left alone: Q/DQ on the orig_im_size arithmetic changes the mask's shape.)
    ops = "[MatMul, Gemm, Conv, ConvTranspose, Softmax]"
    bad = ["components.encoder.precision=fp32", "components.decoder.precision=int8",
           f"components.decoder.quantize.op_types={ops}", "quantize.activation_type=int8",
           "quantize.symmetric_activations=true", "quantize.calibration.size=1", "quantize.calibration.min_images=1",
           "quantize.calibration.prompts_per_image=1", "quantize.sensitivity.enabled=false"]  # no budget to rescue it
    out = tmp_path / "b"
    msg = r"parity gate FAILED for sam on onnx-int8: .*decoder\.low_res_masks: sqnr_db = .* \(needs >= 50\)"
    with pytest.raises(pipeline.ExportError, match=msg) as exc:
        pipeline.export("sam", target="onnx-int8", weights="random:0", output=out, overrides=bad, emit=lambda s: None)
    assert "re-run with --no-parity-gate" in str(exc.value)
    assert not out.exists()
