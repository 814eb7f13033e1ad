"""Bad-input corpus: image files and PIL images as people have them (phones' EXIF rotation, huge
headers, truncated downloads, odd modes)."""
import os
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _cases_bundle import no_hang
from _cases_image import ORIENTATIONS, corrupted, photo, png_claiming, save, truncated, with_orientation
from edgevfm_runtime.errors import InputError
from edgevfm_runtime.image import MAX_PIXELS_ENV, load_rgb


@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_exif_orientation_png_is_applied(tmp_path, orientation):
    arr = photo()
    path = with_orientation(tmp_path / "o.png", arr, orientation)
    np.testing.assert_array_equal(load_rgb(path), ORIENTATIONS[orientation](arr))


@pytest.mark.parametrize("orientation", [6, 8])
def test_exif_orientation_jpeg_and_pil_image(tmp_path, orientation):
    arr = np.zeros((40, 64, 3), np.uint8)
    arr[:20, :32] = 255  # a white top-left quadrant: where it lands shows the rotation despite JPEG loss
    path = with_orientation(tmp_path / "o.jpg", arr, orientation)
    want = ORIENTATIONS[orientation](arr)
    for source in (path, Image.open(path)):
        got = load_rgb(source)
        assert got.shape == want.shape == (64, 40, 3)
        assert np.abs(got.astype(int) - want).mean() < 8


FAILING_FILES = [
    ("missing", lambda d: d / "missing.png", "does not exist"),
    ("folder", lambda d: d, "is a folder, not an image file"),
    ("empty-file", lambda d: _write(d / "e.png", b""), "is not a readable image"),
    ("text-as-png", lambda d: _write(d / "t.png", b"hello, not an image"), "is not a readable image"),
    ("truncated-png", lambda d: truncated(d / "t.png", photo(64, 64)), r"t\.png could not be decoded.*complete"),
    ("truncated-jpeg", lambda d: truncated(d / "t.jpg", photo(64, 64), 0.3), r"t\.jpg could not be decoded"),
    ("corrupted-png", lambda d: corrupted(d / "c.png", photo(64, 64)), r"c\.png could not be decoded"),
    ("zero-width-header", lambda d: png_claiming(d / "z.png", 0, 10), r"z\.png"),
    ("bomb-header", lambda d: png_claiming(d / "b.png", 30000, 30000),
     r"b\.png was refused as a possible decompression bomb.*max_pixels=N.*EDGEVFM_MAX_IMAGE_PIXELS"),
    ("bomb-warning-range", lambda d: png_claiming(d / "w.png", 10000, 9000),
     r"w\.png is 10000x9000 = 90,000,000 pixels, over the limit of 89,478,485"),
    ("float-tiff", lambda d: _pil(d / "f.tif", Image.new("F", (4, 4), 0.5)), r"32-bit float image \(mode F\)"),
    ("int32-tiff-300", lambda d: _pil(d / "i.tif", Image.fromarray(np.full((4, 4), 300, np.int32))),
     r"int32 values span \[300, 300\]"),
]


def _write(path, data):
    path.write_bytes(data)
    return path


def _pil(path, im):
    im.save(path)
    return path


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("make, message", [c[1:] for c in FAILING_FILES], ids=[c[0] for c in FAILING_FILES])
def test_failing_files(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError, match=message):
        load_rgb(path)
    with pytest.raises(InputError):  # the same through str paths
        load_rgb(str(path))


def test_pixel_limit_argument_and_environment(tmp_path, monkeypatch):
    path = save(tmp_path / "p.png", photo(20, 20))
    with pytest.raises(InputError, match=r"20x20 = 400 pixels, over the limit of 100.*max_pixels=N"):
        load_rgb(path, max_pixels=100)
    assert load_rgb(path, max_pixels=400).shape == (20, 20, 3)
    monkeypatch.setenv(MAX_PIXELS_ENV, "399")
    with pytest.raises(InputError, match="over the limit of 399"):
        load_rgb(path)
    assert load_rgb(path, max_pixels=10_000).shape == (20, 20, 3)  # the argument wins
    monkeypatch.setenv(MAX_PIXELS_ENV, "none")
    assert load_rgb(path).shape == (20, 20, 3)


@pytest.mark.parametrize("env, arg", [("abc", None), ("0", None), ("-5", None), (None, 0), (None, 2.5), (None, True)])
def test_bad_pixel_limits(tmp_path, monkeypatch, env, arg):
    path = save(tmp_path / "p.png", photo(4, 4))
    if env is not None:
        monkeypatch.setenv(MAX_PIXELS_ENV, env)
    with pytest.raises(InputError, match=f"{MAX_PIXELS_ENV}=.* must be a positive integer|max_pixels must be a positive"):
        load_rgb(path, max_pixels=arg)


def test_limit_above_pillows_hard_limit_reaches_the_decoder(tmp_path):
    """A limit raised past Pillow's own (a module global) lets the header through, and leaves Pillow's
    global as it was; the fake file then fails to decode, naming it."""
    path = png_claiming(tmp_path / "big.png", 30000, 30000)
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(InputError, match=r"big\.png could not be decoded"):
        load_rgb(path, max_pixels=10**9)
    assert Image.MAX_IMAGE_PIXELS == before


ODD_MODES = [
    ("palette", lambda: Image.fromarray(photo()).convert("P")),
    ("grey-alpha", lambda: Image.fromarray(photo()).convert("LA")),
    ("bilevel", lambda: Image.fromarray(photo()).convert("1")),
    ("cmyk", lambda: Image.fromarray(photo()).convert("CMYK")),
    ("uint16-grey", lambda: Image.fromarray(np.full((24, 36), 1000, np.uint16))),
]


@pytest.mark.parametrize("make", [c[1] for c in ODD_MODES], ids=[c[0] for c in ODD_MODES])
@pytest.mark.parametrize("suffix", [".png", ".tif", "pil"])
def test_odd_modes_become_rgb(tmp_path, make, suffix):
    im = make()
    if suffix == ".png" and im.mode == "CMYK":
        pytest.skip("PNG cannot store CMYK")
    source = im if suffix == "pil" else _pil(tmp_path / f"x{suffix}", im)
    with pytest.warns(UserWarning) if im.mode.startswith("I;16") else _no_warning():
        out = load_rgb(source)
    assert out.shape == (24, 36, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.asarray(im.convert("RGB")) if not im.mode.startswith("I;16") else 4)


def test_lazy_pil_image_of_a_truncated_file(tmp_path):
    im = Image.open(truncated(tmp_path / "t.png", photo(64, 64)))
    with pytest.raises(InputError, match="PIL image could not be decoded"):
        load_rgb(im)


def _no_warning():
    import contextlib
    import warnings

    @contextlib.contextmanager
    def ctx():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield

    return ctx()


def _fifo(d):
    os.mkfifo(d / "pipe.png")
    return d / "pipe.png"


def _socket(d):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(d / "s.png"))
    _SOCKETS.append(s)
    return d / "s.png"


def _link(d, target):
    (d / "link.png").symlink_to(target)
    return d / "link.png"


_SOCKETS: list = []
SPECIAL_FILES = [  # none of these may block or reach the decoder
    ("fifo", _fifo, r"pipe\.png is a FIFO \(named pipe\), not an image file"),
    ("dev-zero", lambda d: Path("/dev/zero"), r"/dev/zero is a character device, not an image file"),
    ("dev-null", lambda d: Path("/dev/null"), r"/dev/null is a character device"),
    ("folder-with-image-suffix", lambda d: (d / "dir.png").mkdir() or d / "dir.png", r"dir\.png is a folder"),
    ("socket", _socket, r"s\.png is a socket, not an image file"),
    ("symlink-to-fifo", lambda d: _link(d, _fifo(d)), r"link\.png is a FIFO"),
    ("symlink-to-dev-zero", lambda d: _link(d, "/dev/zero"), r"link\.png is a character device"),
    ("symlink-to-folder", lambda d: _link(d, d), r"link\.png is a folder"),
    ("dangling-symlink", lambda d: _link(d, d / "gone.png"), r"image file .*link\.png does not exist"),
    ("symlink-loop", lambda d: _link(d, d / "link.png"), r"link\.png cannot be read \(Too many levels of symbolic links"),
]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
@pytest.mark.parametrize("make, message", [c[1:] for c in SPECIAL_FILES], ids=[c[0] for c in SPECIAL_FILES])
def test_special_files_are_refused_without_blocking(tmp_path, make, message):
    path = make(tmp_path)
    try:
        with no_hang(20):
            with pytest.raises(InputError, match=message):
                load_rgb(path)
            with pytest.raises(InputError, match=message):
                load_rgb(str(path))
    finally:
        while _SOCKETS:
            _SOCKETS.pop().close()


def test_symlink_to_a_regular_image_is_read(tmp_path):
    arr = photo()
    np.testing.assert_array_equal(load_rgb(_link(tmp_path, save(tmp_path / "real.png", arr))), arr)


def test_fifo_swapped_in_after_the_check_is_refused(tmp_path, monkeypatch):
    """The type is checked again on the opened descriptor: a regular file replaced by a FIFO between the
    first check and the open neither blocks nor reaches Pillow."""
    path = save(tmp_path / "p.png", photo())
    real_stat, swapped = os.stat, []

    def stat_then_swap(p, *a, **k):
        st = real_stat(p, *a, **k)
        if Path(p) == path and not swapped:
            swapped.append(p)
            path.unlink()
            os.mkfifo(path)
        return st

    monkeypatch.setattr(os, "stat", stat_then_swap)
    with no_hang(20), pytest.raises(InputError, match=r"p\.png is a FIFO"):
        load_rgb(path)
    assert swapped


def test_unreadable_image_file_is_an_input_error(tmp_path, monkeypatch):
    """Permission denied (simulated: the suite may run as root, who reads any file) is one clear error."""
    path = save(tmp_path / "locked.png", photo())
    real_open = os.open

    def denied(p, *a, **k):
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(InputError, match=r"image file .*locked\.png cannot be read \(Permission denied\)"):
        load_rgb(path)
