"""numpy/Pillow pre-processing against the official torchvision eval transform (golden ``x224``)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from edgevfm_runtime.models.dinov2_preprocess import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    center_crop,
    preprocess_classification,
    preprocess_dense,
    resize_shorter_side,
)
from dinov2_testing import golden_paths


@pytest.mark.parametrize("variant", ["vits14", "vits14-reg"])
def test_classification_matches_golden_x224(golden_dir, variant):
    _, npz = golden_paths(golden_dir, variant)
    data = np.load(npz)
    x = preprocess_classification(data["image"])
    assert x.shape == (1, 3, 224, 224) and x.dtype == np.float32
    np.testing.assert_allclose(x, data["x224"], rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "hw, resized", [((400, 600), (384, 256)), ((600, 400), (256, 384)), ((300, 451), (384, 256)), ((256, 256), (256, 256))]
)
def test_resize_shorter_side_truncates_long_side(hw, resized):
    img = Image.new("RGB", (hw[1], hw[0]))
    assert resize_shorter_side(img, 256).size == resized


def test_center_crop_offsets_round_like_torchvision():
    ramp = np.tile(np.arange(257, dtype=np.uint8)[None, :, None], (225, 1, 3))
    crop = np.asarray(center_crop(Image.fromarray(ramp), 224))
    # round((257-224)/2) = round(16.5) = 16 (half to even); round((225-224)/2) = 0
    assert crop.shape == (224, 224, 3) and crop[0, 0, 0] == 16


def test_dense_resizes_directly_and_normalises():
    rgb = np.random.default_rng(0).integers(0, 256, size=(70, 98, 3), dtype=np.uint8)
    same = preprocess_dense(rgb, size=(70, 98))  # same size: PIL resize is the identity
    expected = ((rgb.astype(np.float32) / 255 - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(same, expected, rtol=0, atol=1e-6)
    big = preprocess_dense(rgb, size=(224, 322))
    assert big.shape == (1, 3, 224, 322) and big.dtype == np.float32 and big.flags.c_contiguous
    with pytest.raises(ValueError, match="multiple of the patch size"):
        preprocess_dense(rgb, size=(224, 320))


def test_rejects_non_rgb_uint8():
    with pytest.raises(ValueError, match="RGB uint8"):
        preprocess_classification(np.zeros((300, 300, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="RGB uint8"):
        preprocess_classification(np.zeros((300, 300), dtype=np.uint8))


def test_runtime_module_does_not_import_torch():
    code = "import sys, edgevfm_runtime.models.dinov2_preprocess; sys.exit('torch' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0, "runtime code imported torch"
