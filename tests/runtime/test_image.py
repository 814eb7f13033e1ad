"""Image inputs: conversions that are safe are done, the rest are rejected with a clear message."""
import numpy as np
import pytest
from PIL import Image

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.image import load_rgb


def test_rgb_uint8_passes_through():
    img = np.random.default_rng(0).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(load_rgb(img), img)


def test_grayscale_and_rgba_are_converted():
    g = np.arange(35, dtype=np.uint8).reshape(5, 7)
    out = load_rgb(g)
    assert out.shape == (5, 7, 3) and (out[..., 0] == g).all() and (out[..., 2] == g).all()
    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 1] = 9
    assert load_rgb(rgba).shape == (5, 7, 3) and (load_rgb(rgba)[..., 1] == 9).all()


def test_16bit_is_scaled_with_warning():
    img = np.full((4, 4, 3), 65535, np.uint16)
    with pytest.warns(UserWarning, match="16-bit"):
        assert (load_rgb(img) == 255).all()


@pytest.mark.parametrize(
    "arr, message",
    [
        (np.zeros((4, 4, 3), np.float32), "expected uint8 RGB, got dtype float32"),
        (np.zeros((3, 8, 9), np.uint8), "it looks channel-first"),
        (np.zeros((2, 4, 4, 3), np.uint8), "shape"),
        (np.zeros((0, 4, 3), np.uint8), "empty"),
    ],
)
def test_bad_arrays(arr, message):
    with pytest.raises(InputError, match=message):
        load_rgb(arr)


def test_files(tmp_path):
    p = tmp_path / "a.png"
    Image.fromarray(np.full((6, 8), 7, np.uint8)).save(p)
    assert load_rgb(p).shape == (6, 8, 3)
    p16 = tmp_path / "b.png"
    Image.fromarray(np.full((6, 8), 1000, np.uint16)).save(p16)
    with pytest.warns(UserWarning):
        assert load_rgb(p16).shape == (6, 8, 3)
    bad = tmp_path / "c.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(InputError, match="not a readable image"):
        load_rgb(bad)
    with pytest.raises(InputError, match="does not exist"):
        load_rgb(tmp_path / "missing.png")
    trunc = tmp_path / "d.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(trunc)
    trunc.write_bytes(trunc.read_bytes()[:60])
    with pytest.raises(InputError):
        load_rgb(trunc)


def test_wrong_type():
    with pytest.raises(InputError, match="path or a numpy array"):
        load_rgb([[1, 2, 3]])
