"""Bad-input corpus: images too small or too thin for a model's resize (no model run needed)."""
import numpy as np
import pytest

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.preprocess import preprocess
from edgevfm_runtime.sam.transforms import check_image_size, encoder_input, preprocess_shape

CLIP = {"kind": "clip", "input_size": [224, 224]}
DINO = {"kind": "dinov2", "input_size": [224, 224], "resize": 256}
DINO_DENSE = {"kind": "dinov2", "input_size": [28, 42]}


@pytest.mark.parametrize("h, w", [(1, 2048), (2048, 1), (2, 4096), (1, 1), (3, 6000)])
def test_sam_thinnest_images_that_fit(h, w):
    """SAM resizes the long side to 1024 and rounds the short one: down to 2048:1 it stays >= 1 px."""
    check_image_size(h, w)
    assert min(preprocess_shape(h, w)) >= 1


@pytest.mark.parametrize("h, w, need", [(1, 2049, 2), (2049, 1, 2), (1, 5000, 3), (5000, 2, 3), (4, 9000, 5)])
def test_sam_too_thin(h, w, need):
    with pytest.raises(InputError, match=rf"image {w}x{h} is too thin for SAM.*long/2048 \(here >= {need} px\)"):
        check_image_size(h, w)
    assert min(preprocess_shape(h, w)) == 0  # the rule is exactly where the official rounding gives 0 px


def test_sam_encoder_input_checks_before_resizing():
    with pytest.raises(InputError, match="too thin for SAM"):
        encoder_input(np.zeros((1, 5000, 3), np.uint8))
    x, size = encoder_input(np.zeros((1, 2048, 3), np.uint8))
    assert size == (1, 1024) and x.shape == (1, 3, 1024, 1024)


@pytest.mark.parametrize("spec, what", [(CLIP, "CLIP"), (DINO, "DINOv2")])
def test_embedders_too_thin(spec, what):
    with pytest.raises(InputError, match=rf"image 5000x1 is too thin for the {what} resize.*at most 1024:1"):
        preprocess(np.zeros((1, 5000, 3), np.uint8), spec)


@pytest.mark.parametrize("spec", [CLIP, DINO], ids=["clip", "dinov2"])
@pytest.mark.parametrize("h, w", [(1, 1), (3, 700), (224, 5)])
def test_embedders_small_images_fit(spec, h, w):
    x = preprocess(np.full((h, w, 3), 128, np.uint8), spec)
    assert x.shape == (1, 3, 224, 224) and np.isfinite(x).all()


def test_dense_resize_takes_any_shape():
    x = preprocess(np.zeros((1, 5000, 3), np.uint8), DINO_DENSE, dense=True)
    assert x.shape == (1, 3, 28, 42)
