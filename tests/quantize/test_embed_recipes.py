"""DINOv2 / CLIP quantization recipes: every preset loads, gates every output and the task metrics,
keeps the fragile ops float; calibration is decided per component; TensorRT INT8 is now supported."""
import pytest

from edgevfm.export.pipeline import calibrated
from edgevfm.models import get_model
from edgevfm.recipes import component_precision, component_quantize
from edgevfm.targets import PRESETS, TARGETS, recipe_for

PRESETS_NEW = ["onnx-fp16", "onnx-int8", "x86-fp32", "x86-bf16", "x86-int8", "arm-fp32", "arm-int8", "jetson-int8"]
OUTPUTS = {"dinov2": {"encoder": {"cls_token", "patch_tokens", "register_tokens"}},
           "clip": {"encoder": {"image_embeds"}, "text": {"text_embeds"}}}
TASK = {"dinov2": {"cls_cosine", "patch_cosine"}, "clip": {"embed_cosine", "top1_agreement"}}


@pytest.mark.parametrize("preset", PRESETS_NEW)
@pytest.mark.parametrize("model", ["dinov2", "clip"])
def test_every_preset_has_a_recipe_gating_every_output(model, preset):
    r = recipe_for(model, preset)
    assert r["target"] == preset and r["description"]
    th = r["parity"]["thresholds"]
    for comp, outs in OUTPUTS[model].items():
        assert set(th[comp]) == outs, f"{model}/{preset}: {comp} thresholds"
        assert all(t["sqnr_db"] >= 18 for t in th[comp].values())
    assert set(th["task"]) == TASK[model]
    p = PRESETS.get(preset)
    assert TARGETS.get(p.target).supports(get_model(model), p.precision) is None


@pytest.mark.parametrize("model", ["dinov2", "clip"])
def test_int8_presets_name_their_engine_method(model):
    assert component_quantize(recipe_for(model, "onnx-int8"), "encoder")["method"] == "ort-static"
    assert component_quantize(recipe_for(model, "arm-int8"), "encoder")["method"] == "ort-dynamic"  # as SAM's arm
    x86 = component_quantize(recipe_for(model, "x86-int8"), "encoder")
    assert x86["method"] == "nncf" and x86["model_type"] == "transformer" and x86["keep_float"]["nodes"]
    q = component_quantize(recipe_for(model, "onnx-int8"), "encoder")
    assert q["per_channel"] and q["activation_type"] == "uint8" and q["calibration"]["algorithm"] == "minmax"
    assert {"LayerNormalization", "Softmax"}.isdisjoint(q["op_types"])  # never given Q/DQ: they stay float
    fp16 = component_quantize(recipe_for(model, "onnx-fp16"), "encoder")["keep_float"]["op_types"]
    assert {"LayerNormalization", "Softmax", "Erf"} <= set(fp16)


def test_clip_text_tower_precision_is_chosen_per_preset():
    assert component_precision(recipe_for("clip", "x86-int8"), "text", "int8") == "bf16"
    assert component_precision(recipe_for("clip", "onnx-int8"), "text", "int8") == "int8"
    text_q = component_quantize(recipe_for("clip", "onnx-int8"), "text")
    assert "^/MatMul$" in text_q["keep_float"]["nodes"] and text_q["calibration"]["texts"] == 64


def test_calibration_is_decided_per_component():
    onnx, ov = TARGETS.get("onnx"), TARGETS.get("openvino")
    r = {"quantize": {"method": "ort-dynamic"}, "components": {"text": {"quantize": {"method": "ort-static"}}}}
    assert not calibrated(onnx, r, None, "int8") and not calibrated(onnx, r, "encoder", "int8")
    assert calibrated(onnx, r, "text", "int8")  # a component's own static method asks for feeds
    x86 = recipe_for("clip", "x86-int8")
    assert calibrated(ov, x86, "encoder", "int8") and not calibrated(ov, x86, "text", "bf16")


def test_tensorrt_int8_needs_calibration_feeds_only_where_a_family_has_none():
    from edgevfm.models.spec import ModelFamily

    class NoFeeds(ModelFamily):
        name = "nofeeds"

    trt = TARGETS.get("tensorrt")
    assert trt.supports(get_model("dinov2"), "int8") is None and trt.supports(get_model("clip"), "int8") is None
    assert "no calibration feeds" in trt.supports(NoFeeds(), "int8")
