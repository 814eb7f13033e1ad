"""Turning what users pass (paths, PIL images, arrays of many kinds) into RGB uint8 HxWx3, or a clear error.

The rules, in one place:
* files and PIL images are shown as a viewer shows them: EXIF orientation is applied;
* files over a pixel limit are refused before decoding (decompression bombs): the limit is the
  ``max_pixels`` argument, else ``$EDGEVFM_MAX_IMAGE_PIXELS`` ("none" = no limit), else Pillow's
  ``Image.MAX_IMAGE_PIXELS`` (89,478,485 by default);
* arrays: uint8 as is; uint16 scaled to 8 bit (/257, with a warning); other integer dtypes only when
  every value fits 0–255 (then read as 8-bit); bool, float, complex and object arrays are refused.
  Grey (HxW or HxWx1) is repeated to RGB, alpha (HxWx4) dropped, non-contiguous arrays copied.
"""
from __future__ import annotations

import os
import stat
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

ImageLike = Union[str, Path, np.ndarray, "PILImage"]
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
MAX_PIXELS_ENV = "EDGEVFM_MAX_IMAGE_PIXELS"
_PIL_GLOBAL = threading.Lock()  # guards the brief raise of Pillow's module-wide limit (see _open)


def list_image_files(folder: str | Path, *, option: str) -> list[Path]:
    """Image files under ``folder`` (recursive, sorted); ``option`` names the flag in errors."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{option} {root}: not a folder")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise InputError(f"{option} {root}: no images found (looked for {', '.join(IMAGE_EXTENSIONS)}, recursively)")
    return files


def pixel_limit(max_pixels: int | None = None) -> int | None:
    """The decompression-bomb limit in pixels (None: no limit): argument, else environment, else Pillow's."""
    if max_pixels is not None:
        if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) or max_pixels < 1:
            raise InputError(f"max_pixels must be a positive integer, got {max_pixels!r}")
        return int(max_pixels)
    env = os.environ.get(MAX_PIXELS_ENV, "").strip()
    if env:
        if env.lower() == "none":
            return None
        try:
            value = int(env.replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise InputError(f"{MAX_PIXELS_ENV}={env!r} must be a positive integer or 'none'")
        return value
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS


def _too_many(source: str, w: int, h: int, limit: int) -> InputError:
    return InputError(
        f"{source} is {w}x{h} = {w * h:,} pixels, over the limit of {limit:,} that guards against "
        f"decompression bombs; if you trust it, raise the limit with load_rgb(path, max_pixels=N) or "
        f"the environment variable {MAX_PIXELS_ENV}=N ('none' for no limit)"
    )


_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: Path, mode: int) -> InputError | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
    return InputError(f"{path} is {kind}, not an image file (images are read from regular files only)")


def _open_regular(path: Path):
    """``path`` opened for binary reading if it is a regular file after resolving symlinks; otherwise a
    clear error, without blocking: a FIFO is opened non-blocking (a plain open() waits for a writer) and
    the type is checked on the opened descriptor, so nothing swapped in after a check is read."""
    try:
        mode = os.stat(path).st_mode  # a stat never blocks; it names sockets, which cannot be open()ed
    except FileNotFoundError:
        raise InputError(f"image file {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"image file {path} cannot be read ({exc.strerror or exc})") from None
    bad = _not_regular(path, mode)
    if bad:
        raise bad
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(f"image file {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"image file {path} cannot be read ({exc.strerror or exc})") from None
    bad = _not_regular(path, os.fstat(fd).st_mode)
    if bad:
        os.close(fd)
        raise bad
    return os.fdopen(fd, "rb")


def _open(fh, path: Path, limit: int | None):
    from PIL import Image

    try:
        return Image.open(fh)
    except Image.DecompressionBombError as exc:
        pil_hard = 2 * Image.MAX_IMAGE_PIXELS if Image.MAX_IMAGE_PIXELS else None
        if limit is not None and (pil_hard is None or limit <= pil_hard):
            raise InputError(
                f"{path} was refused as a possible decompression bomb (Pillow: {exc}); the pixel limit here is "
                f"{limit:,}; if you trust the file, raise it with "
                f"load_rgb(path, max_pixels=N) or the environment variable {MAX_PIXELS_ENV}=N ('none' for no limit)"
            ) from None
    # The caller allowed more than Pillow's hard limit, a module global: raise it for this one open only.
    with _PIL_GLOBAL:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, limit
        try:
            fh.seek(0)
            return Image.open(fh)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _from_pil(im, *, source: str) -> np.ndarray:
    from PIL import ImageOps

    im = ImageOps.exif_transpose(im)  # a copy in the displayed orientation (phones store it rotated)
    if im.mode.startswith("I;16") or im.mode == "I":
        return _to_rgb_uint8(np.asarray(im), source=source)
    if im.mode == "F":
        raise InputError(f"{source} is a 32-bit float image (mode F); convert it to 8-bit RGB first")
    try:
        return np.asarray(im.convert("RGB"))
    except ValueError as exc:
        raise InputError(f"{source} has image mode {im.mode}, which cannot be converted to RGB ({exc})") from None


def _from_file(path: Path, max_pixels: int | None) -> np.ndarray:
    limit = pixel_limit(max_pixels)
    with _open_regular(path) as fh:
        return _decode(fh, path, limit)


def _decode(fh, path: Path, limit: int | None) -> np.ndarray:
    from PIL import UnidentifiedImageError

    try:
        with _open(fh, path, limit) as im:
            w, h = im.size
            if limit is not None and w * h > limit:
                raise _too_many(str(path), w, h, limit)
            im.load()
            return _from_pil(im, source=f"image {path}")
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"{path} is not a readable image (Pillow cannot identify it)") from None
    except Exception as exc:  # noqa: BLE001 -- Pillow's decoders raise OSError, SyntaxError, ValueError, struct.error …
        raise InputError(f"{path} could not be decoded ({type(exc).__name__}: {exc}); is the file complete?") from None


def _to_rgb_uint8(arr: np.ndarray, *, source: str) -> np.ndarray:
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        hint = "; for a batch of one pass arr[0]" if arr.ndim == 4 and arr.shape[0] == 1 else ""
        raise InputError(f"{source}: expected an HxWx3 RGB image, got an array of shape {arr.shape}{hint}")
    h, w, c = arr.shape
    if c not in (1, 3, 4):
        hint = " (it looks channel-first; pass HxWxC)" if h in (1, 3, 4) else ""
        raise InputError(f"{source}: expected 1, 3 or 4 channels last, got shape {arr.shape}{hint}")
    if h == 0 or w == 0:
        raise InputError(f"{source}: image is empty (shape {arr.shape}); images need at least 1x1 pixels")
    arr = _to_uint8(arr, source=source)
    if c == 1:
        arr = np.repeat(arr, 3, axis=2)
    elif c == 4:
        arr = arr[:, :, :3]  # alpha is dropped: the models see RGB only
    return np.ascontiguousarray(arr)


def _to_uint8(arr: np.ndarray, *, source: str) -> np.ndarray:
    kind, size = arr.dtype.kind, arr.dtype.itemsize
    if kind == "u" and size == 1:
        return arr
    if kind == "u" and size == 2:
        warnings.warn(f"{source}: 16-bit image converted to 8-bit", stacklevel=4)
        return np.round(arr.astype(np.float32) / 257.0).astype(np.uint8)
    if kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        if lo >= 0 and hi <= 255:
            return arr.astype(np.uint8)
        raise InputError(
            f"{source}: {arr.dtype} values span [{lo}, {hi}], which is neither 8-bit nor uint16; integer "
            "arrays other than uint8/uint16 are read as 8-bit and must lie in 0–255. For 16-bit data pass "
            "arr.astype(np.uint16); otherwise rescale to uint8 yourself"
        )
    if kind == "b":
        raise InputError(f"{source}: got a bool array (a mask?); pass an RGB uint8 image, or "
                         "mask.astype(np.uint8) * 255 for a black-and-white picture")
    if kind in "fc":
        nan = "; it also contains NaN or infinity" if not np.isfinite(arr).all() else ""
        raise InputError(
            f"{source}: expected uint8 RGB, got dtype {arr.dtype}; for float images in [0, 1] pass "
            f"(img * 255).round().astype(np.uint8){nan}"
        )
    raise InputError(f"{source}: expected uint8 RGB, got dtype {arr.dtype}")


def load_rgb(image: ImageLike, *, max_pixels: int | None = None) -> np.ndarray:
    """Return an RGB uint8 HxWx3 array from a path, a PIL image or an array (see the module's rules).
    ``max_pixels`` applies to files (see :func:`pixel_limit`)."""
    if isinstance(image, (str, Path)):
        if isinstance(image, str) and not image.strip():
            raise InputError("image path is empty")
        return _from_file(Path(image), max_pixels)
    if isinstance(image, np.ndarray):
        return _to_rgb_uint8(image, source="image array")
    from PIL import Image

    if isinstance(image, Image.Image):
        try:
            image.load()
            return _from_pil(image, source="PIL image")
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 -- a lazily opened PIL image decodes only here
            raise InputError(f"PIL image could not be decoded ({type(exc).__name__}: {exc})") from None
    raise InputError(f"expected an image path or a numpy array (or a PIL image), got {type(image).__name__}")
