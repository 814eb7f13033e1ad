"""Recipes are schema-checked data with did-you-mean errors and --set overrides."""
import pytest

from edgevfm.recipes import RecipeError, load_recipe, parse_set


def test_sam_onnx_recipe_resolves():
    r = load_recipe("sam", "onnx-fp32")
    assert r["target"] == "onnx-fp32" and r["variant"] == "vit_t"
    assert r["parity"]["thresholds"]["task"]["mask_iou"] == 0.99
    assert r["export"]["opset"] == 17


def test_set_overrides_and_types():
    r = load_recipe("sam", "onnx-fp32", overrides=["export.opset=18", "parity.gate=false"])
    assert r["export"]["opset"] == 18 and r["parity"]["gate"] is False
    assert parse_set(["a.b.c=1.5"]) == {"a": {"b": {"c": 1.5}}}


@pytest.mark.parametrize("item, message", [
    ("export.opst=18", "unknown recipe key 'export.opst'; did you mean 'opset'"),
    ("export.opset=abc", "must be int"),
    ("nonsense", "KEY=VALUE"),
])
def test_bad_overrides(item, message):
    with pytest.raises(RecipeError, match=message):
        load_recipe("sam", "onnx-fp32", overrides=[item])


def test_user_recipe_file(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("parity:\n  imagez: [astronaut]\n")
    with pytest.raises(RecipeError, match="did you mean 'images'"):
        load_recipe("sam", "onnx-fp32", recipe_file=str(f))
    f.write_text("parity: [\n")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe("sam", "onnx-fp32", recipe_file=str(f))


def test_missing_recipe():
    with pytest.raises(RecipeError, match="no recipe for sam on x86-int9"):
        load_recipe("sam", "x86-int9")
