"""The manifest's pre-processing as data: executing each family's ``preprocess.steps`` (numpy + Pillow)
gives bit-for-bit the tensor of the runtime's reference pre-processing, on real photos and odd sizes."""
import numpy as np
import pytest
import skimage.data

from edgevfm.models import get_model
from edgevfm_runtime.errors import BundleError, InputError
from edgevfm_runtime.manifest_types import Preprocess
from edgevfm_runtime.preprocess import preprocess
from edgevfm_runtime.preprocess_steps import OPS, run_steps, step, validate_steps


def _photos() -> dict[str, np.ndarray]:
    astro, coffee, chelsea = skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()
    return {
        "astronaut": astro, "coffee": coffee, "chelsea": chelsea,
        "camera-grey": np.repeat(skimage.data.camera()[:, :, None], 3, axis=2),
        "odd 37x501": np.ascontiguousarray(coffee[:37, :501]), "odd 333x17": np.ascontiguousarray(astro[:333, :17]),
        "tall 1000x3": np.ascontiguousarray(np.tile(chelsea[:, :3], (3, 1, 1))[:1000]),
        "tiny 1x1": np.ascontiguousarray(astro[:1, :1]), "upscaled 5x7": np.ascontiguousarray(chelsea[100:105, 200:207]),
    }


PHOTOS = _photos()
# (family, variant, recipe) in the shapes the recipes use: SAM; DINOv2 square (the eval transform) at two
# sizes and non-square (dense resize); CLIP at 224 and at TinyCLIP's input size.
SPECS = [("sam", "", {}), ("dinov2", "", {}), ("dinov2", "", {"input_size": [112, 112]}),
         ("dinov2", "", {"input_size": [112, 168]}), ("clip", "", {}), ("clip", "tinyclip-8m16", {})]


@pytest.mark.parametrize("model, variant, recipe", SPECS, ids=[f"{m}{v and '-' + v}{r.get('input_size', '')}"
                                                               for m, v, r in SPECS])
def test_steps_match_the_reference_preprocess_bit_exactly(model, variant, recipe):
    spec = get_model(model).preprocess(variant, recipe)
    typed = Preprocess.from_dict(spec)
    for name, rgb in PHOTOS.items():
        want = preprocess(rgb, spec)
        got = run_steps(rgb, typed.steps)
        assert got.dtype == np.float32 and got.shape == want.shape == (1, 3, *spec["input_size"]), name
        assert np.array_equal(got, want), f"{name}: max abs diff {np.abs(got - want).max()}"
        if typed.dense_steps is not None:
            assert np.array_equal(run_steps(rgb, typed.dense_steps), preprocess(rgb, spec, dense=True)), name


def test_too_thin_images_fail_like_the_reference():
    spec = get_model("dinov2").preprocess("", {})
    strip = np.zeros((1, 2000, 3), np.uint8)
    for fn in (lambda: preprocess(strip, spec), lambda: run_steps(strip, spec["steps"])):
        with pytest.raises(InputError, match="too thin"):
            fn()
    sam = get_model("sam").preprocess("", {})
    with pytest.raises(InputError, match="too thin"):
        run_steps(np.zeros((1, 3000, 3), np.uint8), sam["steps"])


@pytest.mark.parametrize("steps, message", [
    ([{"op": "sharpen"}], r"steps\[0\].op 'sharpen' is not one of resize_longest"),
    ([{"op": "resize", "size": [8], "interpolation": "bicubic"}], r"steps\[0\].size must be \[H, W\]"),
    ([{"op": "resize", "size": [8, 8], "interpolation": "lanczos"}], "interpolation must be one of bilinear, bicubic"),
    ([{"op": "normalize", "divide": 255.0, "mean": [0, 0, 0]}], r"missing field preprocess.steps\[0\].std"),
    ([{"size": 3}], r"steps\[0\] must be an object with an 'op' name"),
], ids=["unknown op", "size", "interpolation", "missing std", "no op"])
def test_bad_steps_are_named(steps, message):
    with pytest.raises(BundleError, match=message):
        validate_steps(steps, "preprocess.steps")


def test_steps_must_end_in_float_and_resize_before_normalize():
    rgb = PHOTOS["coffee"]
    with pytest.raises(BundleError, match="without a normalize"):
        run_steps(rgb, [step("resize", size=[8, 8], interpolation="bilinear")])
    norm = step("normalize", divide=1.0, mean=[0, 0, 0], std=[1, 1, 1])
    with pytest.raises(BundleError, match="after normalize"):
        run_steps(rgb, [norm, step("resize", size=[8, 8], interpolation="bilinear")])
    assert set(OPS) == {"resize_longest", "resize_shorter", "resize", "center_crop", "normalize", "pad"}
