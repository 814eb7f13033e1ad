"""CLIP pre-processing (numpy + Pillow) against the official torchvision transform (golden)."""
from __future__ import annotations

import numpy as np
import pytest

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.models.clip_preprocess import preprocess, resize_shorter_side

from clip_testing import assert_close


def test_matches_golden_pixel_values(golden):
    x = preprocess(golden["image"], size=224)
    assert x.dtype == np.float32 and x.shape == (1, 3, 224, 224)
    assert_close(x, golden["pixel_values"], name="pixel_values", tol=1e-6)


@pytest.mark.parametrize(
    "hw, size, expected",
    [((300, 451), 224, (224, 336)), ((451, 300), 224, (336, 224)), ((100, 100), 224, (224, 224)),
     ((479, 640), 224, (224, 299))],
)
def test_shorter_side_rule_truncates(hw, size, expected):
    assert resize_shorter_side(*hw, size) == expected


def test_rejects_non_rgb_uint8():
    with pytest.raises(InputError):
        preprocess(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(InputError):
        preprocess(np.zeros((10, 10), np.uint8))
