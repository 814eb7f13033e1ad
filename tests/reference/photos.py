"""The photos (scikit-image's bundled samples) and the official eval transforms, restated with PIL.

The official transforms are torchvision pipelines (not installable here); on a PIL image
``Resize(n)`` scales the shorter side to ``n`` (the longer to ``int(n * long / short)``) with PIL's
resampler and ``CenterCrop`` takes the box at ``round((size - crop) / 2)``. Where ``../shared/golden``
exists the tests compare these with the arrays the official code produced."""
from __future__ import annotations

import numpy as np
from PIL import Image
from skimage import data

IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
CLIP = ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))


def chelsea() -> np.ndarray:
    return np.ascontiguousarray(data.chelsea())


def portrait() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut()[:, 100:400])


def coffee() -> np.ndarray:
    return np.ascontiguousarray(data.coffee())


def eval_transform(image: np.ndarray, *, resize: int, crop: int, mean_std) -> np.ndarray:
    """Resize shorter side (bicubic), centre crop, to [0, 1], normalise: 1x3xCxC float32."""
    img = Image.fromarray(image).convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(resize * long / short)
    img = img.resize((resize, new_long) if w <= h else (new_long, resize), Image.BICUBIC)
    w, h = img.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    img = img.crop((left, top, left + crop, top + crop))
    x = np.asarray(img, dtype=np.float32) / 255.0
    mean, std = (np.asarray(v, dtype=np.float32) for v in mean_std)
    return ((x - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
