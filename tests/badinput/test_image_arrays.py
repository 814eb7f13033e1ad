"""Bad-input corpus: numpy arrays as people pass them to load_rgb (and so to every model)."""
import warnings

import numpy as np
import pytest

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.image import load_rgb

RGB = np.random.default_rng(1).integers(0, 256, (6, 9, 3), dtype=np.uint8)

REFUSED = [
    ("float32", RGB.astype(np.float32) / 255, "got dtype float32; for float images in \\[0, 1\\] pass"),
    ("float64-nan", np.full((4, 4, 3), np.nan), "contains NaN or infinity"),
    ("float16", np.zeros((4, 4, 3), np.float16), "got dtype float16"),
    ("complex", np.zeros((4, 4, 3), np.complex64), "got dtype complex64"),
    ("bool", np.ones((4, 4), bool), "bool array \\(a mask\\?\\)"),
    ("object", np.empty((4, 4, 3), object), "got dtype object"),
    ("str", np.full((4, 4, 3), "a"), "got dtype <U1"),
    ("int32-300", np.full((4, 4, 3), 300, np.int32), r"int32 values span \[300, 300\].*arr.astype\(np.uint16\)"),
    ("int16-negative", np.full((4, 4, 3), -5, np.int16), r"int16 values span \[-5, -5\]"),
    ("uint32-70000", np.full((4, 4, 3), 70000, np.uint32), r"uint32 values span \[70000, 70000\]"),
    ("0-d", np.array(5, np.uint8), r"shape \(\)"),
    ("1-d", np.zeros(12, np.uint8), r"shape \(12,\)"),
    ("batch-of-one", np.zeros((1, 4, 4, 3), np.uint8), r"for a batch of one pass arr\[0\]"),
    ("5-d", np.zeros((1, 1, 4, 4, 3), np.uint8), "expected an HxWx3 RGB image"),
    ("two-channels", np.zeros((4, 4, 2), np.uint8), "expected 1, 3 or 4 channels last"),
    ("five-channels", np.zeros((8, 8, 5), np.uint8), "expected 1, 3 or 4 channels last"),
    ("channel-first", np.zeros((3, 20, 30), np.uint8), "it looks channel-first"),
    ("empty-rows", np.zeros((0, 5, 3), np.uint8), "image is empty.*at least 1x1"),
    ("empty-grey", np.zeros((5, 0), np.uint8), "image is empty"),
]


@pytest.mark.parametrize("arr, message", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_arrays(arr, message):
    with pytest.raises(InputError, match=message):
        load_rgb(arr)


ACCEPTED = [
    ("uint8", RGB, RGB),
    ("int64-fits-8bit", RGB.astype(np.int64), RGB),
    ("uint32-fits-8bit", RGB.astype(np.uint32), RGB),
    ("int8-non-negative", (RGB // 2).astype(np.int8), RGB // 2),
    ("non-contiguous-bgr-flip", RGB[..., ::-1], np.ascontiguousarray(RGB[..., ::-1])),
    ("strided-crop", RGB[::2, 1::2], np.ascontiguousarray(RGB[::2, 1::2])),
    ("fortran-order", np.asfortranarray(RGB), RGB),
    ("grey-hw1", RGB[..., :1], np.repeat(RGB[..., :1], 3, axis=2)),
    ("rgba", np.concatenate([RGB, np.zeros_like(RGB[..., :1])], axis=2), RGB),
    ("one-pixel", RGB[:1, :1], RGB[:1, :1]),
]


@pytest.mark.parametrize("arr, expected", [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_arrays(arr, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these is a lossy conversion
        out = load_rgb(arr)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", ["<u2", ">u2"], ids=["uint16-little", "uint16-big-endian"])
def test_uint16_is_scaled_with_a_warning(dtype):
    arr = (RGB.astype(np.uint16) * 257).astype(dtype)
    with pytest.warns(UserWarning, match="16-bit image converted to 8-bit"):
        np.testing.assert_array_equal(load_rgb(arr), RGB)


@pytest.mark.parametrize("value", [[[1, 2, 3]], None, b"\x89PNG", 3.5, ""], ids=["list", "None", "bytes", "float", "empty-path"])
def test_not_an_image(value):
    with pytest.raises(InputError, match="image path or a numpy array|image path is empty"):
        load_rgb(value)
