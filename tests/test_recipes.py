"""Recipes are schema-checked data with did-you-mean errors and --set overrides, and cannot lie: a
method the target lacks, a method for another precision and a recipe for another preset are errors."""
import pytest

from edgevfm.recipes import RecipeError, component_quantize, load_recipe, parse_set, recipes_dir
from edgevfm.registry import UnknownName
from edgevfm.targets import PRESETS, TARGETS, recipe_for


def test_sam_onnx_recipe_resolves():
    r = recipe_for("sam", "onnx-fp32")
    assert r["target"] == "onnx-fp32" and r["variant"] == "vit_t"
    assert r["parity"]["thresholds"]["task"]["mask_iou"] == 0.99
    assert r["export"]["opset"] == 17


def test_set_overrides_and_types():
    r = recipe_for("sam", "onnx-fp32", overrides=["export.opset=18", "parity.gate=false"])
    assert r["export"]["opset"] == 18 and r["parity"]["gate"] is False
    assert parse_set(["a.b.c=1.5"]) == {"a": {"b": {"c": 1.5}}}


@pytest.mark.parametrize("item, message", [
    ("export.opst=18", "unknown recipe key 'export.opst'; did you mean 'opset'"),
    ("export.opset=abc", "must be int"),
    ("nonsense", "KEY=VALUE"),
    ("target=x86-int8", "is a recipe for x86-int8, not onnx-fp32"),
])
def test_bad_overrides(item, message):
    with pytest.raises(RecipeError, match=message):
        recipe_for("sam", "onnx-fp32", overrides=[item])


def test_user_recipe_file(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("parity:\n  imagez: [astronaut]\n")
    with pytest.raises(RecipeError, match="did you mean 'images'"):
        recipe_for("sam", "onnx-fp32", recipe_file=str(f))
    f.write_text("parity: [\n")
    with pytest.raises(RecipeError, match="not valid YAML"):
        recipe_for("sam", "onnx-fp32", recipe_file=str(f))


def test_recipe_for_another_target_is_refused(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text((recipes_dir() / "sam" / "x86-int8.yaml").read_text())
    with pytest.raises(RecipeError, match=r"is a recipe for x86-int8, not onnx-int8: export with --target x86-int8"):
        recipe_for("sam", "onnx-int8", recipe_file=str(f))
    # the preset's own name and its aliases are accepted
    assert recipe_for("sam", "jetson-int8")["target"] == "jetson-int8"
    f.write_text("target: tensorrt-int8\n")
    assert recipe_for("sam", "jetson-int8", recipe_file=str(f))["target"] == "tensorrt-int8"


def test_missing_recipe():
    with pytest.raises(RecipeError, match="no recipe for sam on x86-int9"):
        load_recipe("sam", "x86-int9")
    with pytest.raises(UnknownName, match="did you mean 'x86-int8'"):
        recipe_for("sam", "x86-int9")


@pytest.mark.parametrize("model", ["sam", "dinov2", "clip"])
def test_every_preset_recipe_resolves_with_valid_methods(model):
    """Every shipped recipe names its own preset and only methods its target implements."""
    for name, preset in PRESETS.items():
        if not (recipes_dir() / model / f"{name}.yaml").exists():
            continue
        r = recipe_for(model, name)
        assert r["target"] == name
        tgt = TARGETS.get(preset.target)
        asked = {None: preset.precision, **{n: c.get("precision", preset.precision)
                                           for n, c in r.get("components", {}).items()}}
        for comp, precision in asked.items():
            tgt.method(component_quantize(r, comp), precision)  # raises on a method the target lacks


@pytest.mark.parametrize("model", ["sam", "dinov2", "clip"])
def test_fp32_thresholds_are_shared(model):
    """One definition of the FP32 gate: onnx/x86/arm-fp32 resolve to the same thresholds."""
    got = [recipe_for(model, p)["parity"]["thresholds"] for p in ("onnx-fp32", "x86-fp32", "arm-fp32")]
    assert got[0] == got[1] == got[2] and "task" in got[0]


@pytest.mark.parametrize("preset, setting, message", [
    ("onnx-int8", "nncf", r"'nncf' is not available on onnx at int8: choose ort-static or ort-dynamic.*nncf.*openvino"),
    ("onnx-int8", "ort-statik", r"did you mean 'ort-static'"),
    ("onnx-fp16", "ort-static", r"not available on onnx at fp16: choose fp16"),
    ("x86-int8", "ort-static", r"not available on openvino at int8: choose nncf"),
    ("android-int8", "litert-dynamik", r"did you mean 'litert-dynamic'"),
    ("onnx-fp32", "ort-static", r"onnx converts fp32 without a quantization method"),
])
def test_method_mismatch_is_an_error(preset, setting, message):
    p = PRESETS.get(preset)
    r = recipe_for("sam", preset, overrides=[f"quantize.method={setting}"])
    with pytest.raises(RecipeError, match=message):
        TARGETS.get(p.target).method(component_quantize(r, None), p.precision)


def test_method_mismatch_fails_the_export_before_building(tmp_path):
    from edgevfm.export.pipeline import export

    with pytest.raises(RecipeError, match="did you mean 'ort-static'"):
        export("sam", target="onnx-int8", weights="random:0", output=tmp_path / "b",
               overrides=["quantize.method=ort-statik"], emit=lambda s: None)
    assert not (tmp_path / "b").exists()


def test_component_precision_does_not_inherit_the_preset_method():
    r = recipe_for("sam", "jetson-int8")
    assert component_quantize(r, "decoder").get("method") is None  # decoder runs fp16: no int8 method
    r = recipe_for("sam", "arm-int8", overrides=["components.decoder.precision=int8",
                                                  "components.decoder.quantize.method=ort-static"])
    assert component_quantize(r, "decoder")["method"] == "ort-static"
    assert component_quantize(r, "encoder")["method"] == "ort-dynamic"


def test_model_specific_keys_belong_to_their_family():
    """Keys one family reads (ModelFamily.recipe_keys) are unknown to the others."""
    assert recipe_for("dinov2", "onnx-fp32", overrides=["input_size=28"])["input_size"] == 28
    with pytest.raises(RecipeError, match="unknown recipe key 'input_size'"):
        recipe_for("sam", "onnx-fp32", overrides=["input_size=28"])
    with pytest.raises(RecipeError, match="unknown recipe key 'decoder'"):
        recipe_for("dinov2", "onnx-fp32", overrides=["decoder.return_single_mask=true"])
