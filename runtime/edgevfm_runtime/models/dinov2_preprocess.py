"""DINOv2 pre-processing with numpy + Pillow only (matches the official torchvision eval transform)."""
from __future__ import annotations

import numpy as np
from PIL import Image

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
PATCH_SIZE = 14


def _as_image(rgb_uint8_hwc: np.ndarray) -> Image.Image:
    rgb = np.asarray(rgb_uint8_hwc)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 HxWx3 image, got {rgb.dtype} {rgb.shape}")
    return Image.fromarray(rgb, mode="RGB")


def _normalize(img: Image.Image) -> np.ndarray:
    # float32 throughout, in torchvision's order (/255, -mean, /std), so results are bit-identical.
    x = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    x = (x - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def resize_shorter_side(img: Image.Image, size: int) -> Image.Image:
    """torchvision ``Resize(size)`` on a PIL image: shorter side -> size, longer side truncated, bicubic."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return img.resize((new_w, new_h), Image.BICUBIC)


def center_crop(img: Image.Image, size: int) -> Image.Image:
    """torchvision ``CenterCrop(size)`` (offsets rounded half-to-even as Python's round does)."""
    w, h = img.size
    if w < size or h < size:
        raise ValueError(f"image {w}x{h} is smaller than the crop {size}")
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return img.crop((left, top, left + size, top + size))


def preprocess_classification(rgb_uint8_hwc: np.ndarray, *, resize: int = 256, crop: int = 224) -> np.ndarray:
    """Official eval transform: Resize 256 bicubic, CenterCrop 224, ImageNet normalise -> (1,3,224,224) float32."""
    img = center_crop(resize_shorter_side(_as_image(rgb_uint8_hwc), resize), crop)
    return _normalize(img)


def preprocess_dense(rgb_uint8_hwc: np.ndarray, *, size: tuple[int, int] = (518, 518)) -> np.ndarray:
    """Bicubic resize straight to the export resolution (H, W) (multiples of 14), normalise -> (1,3,H,W)."""
    h, w = size
    if h % PATCH_SIZE or w % PATCH_SIZE:
        raise ValueError(f"size {h}x{w} is not a multiple of the patch size {PATCH_SIZE}")
    img = _as_image(rgb_uint8_hwc).resize((w, h), Image.BICUBIC)
    return _normalize(img)
