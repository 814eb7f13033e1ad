"""Turning what users pass (paths, arrays of many kinds) into RGB uint8 HxWx3, or a clear error."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Union

import numpy as np

from .errors import InputError

ImageLike = Union[str, Path, np.ndarray]
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def list_image_files(folder: str | Path, *, option: str) -> list[Path]:
    """Image files under ``folder`` (recursive, sorted); ``option`` names the flag in errors."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{option} {root}: not a folder")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise InputError(f"{option} {root}: no images found (looked for {', '.join(IMAGE_EXTENSIONS)}, recursively)")
    return files


def _from_file(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise InputError(f"image file {path} does not exist")
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                return _to_rgb_uint8(np.asarray(im), source=str(path))
            if im.mode not in ("RGB", "L", "RGBA", "LA", "P", "CMYK", "YCbCr"):
                raise InputError(f"image {path} has unsupported mode {im.mode}")
            return np.asarray(im.convert("RGB"))
    except UnidentifiedImageError:
        raise InputError(f"{path} is not a readable image (Pillow cannot identify it)") from None
    except OSError as exc:
        raise InputError(f"{path} could not be decoded: {exc}") from None


def _to_rgb_uint8(arr: np.ndarray, *, source: str) -> np.ndarray:
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise InputError(f"{source}: expected an HxWx3 RGB image, got an array of shape {arr.shape}")
    h, w, c = arr.shape
    if c not in (1, 3, 4):
        hint = " (it looks channel-first; pass HxWxC)" if h in (1, 3, 4) else ""
        raise InputError(f"{source}: expected 1, 3 or 4 channels last, got shape {arr.shape}{hint}")
    if h == 0 or w == 0:
        raise InputError(f"{source}: image is empty (shape {arr.shape})")
    if arr.dtype == np.uint16:
        warnings.warn(f"{source}: 16-bit image converted to 8-bit", stacklevel=3)
        arr = np.round(arr.astype(np.float32) / 257.0).astype(np.uint8)
    elif arr.dtype in (np.int32, np.int64) and arr.min() >= 0 and arr.max() <= 65535:
        scale = 257.0 if arr.max() > 255 else 1.0
        arr = np.round(arr.astype(np.float32) / scale).astype(np.uint8)
    elif arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype != np.uint8:
        raise InputError(
            f"{source}: expected uint8 RGB, got dtype {arr.dtype}; for float images in [0, 1] pass "
            "(img * 255).round().astype(np.uint8)"
        )
    if c == 1:
        arr = np.repeat(arr, 3, axis=2)
    elif c == 4:
        arr = arr[:, :, :3]  # alpha is dropped: the models see RGB only
    return np.ascontiguousarray(arr)


def load_rgb(image: ImageLike) -> np.ndarray:
    """Return an RGB uint8 HxWx3 array from a path or an array (grey, RGBA, 16-bit are converted)."""
    if isinstance(image, (str, Path)):
        return _from_file(Path(image))
    if isinstance(image, np.ndarray):
        return _to_rgb_uint8(image, source="image array")
    raise InputError(f"expected an image path or a numpy array, got {type(image).__name__}")
