"""Quantization recipe keys: schema-checked with did-you-mean, per-component overrides, presets."""
import pytest

from edgevfm.export.pipeline import with_sensitivity_target
from edgevfm.recipes import RecipeError, component_precision, component_quantize
from edgevfm.targets import PRESETS, TARGETS, recipe_for

INT8_PRESETS = [p for p in PRESETS if PRESETS.get(p).precision == "int8"]


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_has_a_valid_recipe_with_thresholds(preset):
    from edgevfm.models import get_model

    r = recipe_for("sam", preset)
    assert r["target"] == preset
    th = r["parity"]["thresholds"]
    sqnr, iou = th["encoder"]["image_embeddings"]["sqnr_db"], th["task"]["mask_iou"]
    assert sqnr >= 15 and 0.75 <= iou <= 1  # the loosest bar: TensorRT INT8 Q/DQ
    if PRESETS.get(preset).precision == "fp32":
        assert sqnr >= 50 and iou >= 0.98
    assert TARGETS.get(PRESETS.get(preset).target).supports(get_model("sam"), PRESETS.get(preset).precision) is None


@pytest.mark.parametrize("preset", INT8_PRESETS)
def test_int8_presets_keep_the_sam_decoder_float(preset):
    r = recipe_for("sam", preset)
    assert component_precision(r, "decoder", "int8") in ("fp32", "fp16")
    assert component_precision(r, "encoder", "int8") == "int8"


def test_unknown_quantize_key_has_did_you_mean():
    with pytest.raises(RecipeError, match=r"unknown recipe key 'quantize.per_chanel'; did you mean 'per_channel'"):
        recipe_for("sam", "onnx-int8", overrides=["quantize.per_chanel=true"])
    with pytest.raises(RecipeError, match=r"'components.decoder.quantize.calibration.algoritm'"):
        recipe_for("sam", "onnx-int8", overrides=["components.decoder.quantize.calibration.algoritm=minmax"])
    with pytest.raises(RecipeError, match=r"'quantize.sensitivity.target_sqnr_db' must be int or float"):
        recipe_for("sam", "onnx-int8", overrides=["quantize.sensitivity.target_sqnr_db=high"])


def test_component_override_merges_over_the_recipe():
    r = recipe_for("sam", "onnx-int8", overrides=["components.encoder.quantize.calibration.algorithm=entropy"])
    q = component_quantize(r, "encoder")
    assert q["calibration"]["algorithm"] == "entropy" and q["calibration"]["size"] == 6 and q["per_channel"]
    assert component_quantize(r, "decoder")["calibration"]["algorithm"] == "minmax"


def test_parity_target_turns_on_sensitivity():
    r = with_sensitivity_target(recipe_for("sam", "onnx-int8"), 33)
    assert r["quantize"]["sensitivity"]["enabled"] and r["quantize"]["sensitivity"]["target_sqnr_db"] == 33.0
