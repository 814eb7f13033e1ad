"""Training images: a folder scanned recursively, keyed by content hash, seen as augmented views.

A *view* is a deterministic geometric augmentation of one image (view 0 = the image itself; others a
random-resized crop and horizontal flip seeded by the image hash and the view number), so the
teacher's embedding of every view can be computed once and cached. Photometric jitter is drawn per
sample and step and applied to the student's input only: the student learns to give the clean
view's teacher embedding from a jittered image.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.image import load_rgb

from . import DistillError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
VIEW_SCHEME = "rrc-0.35-1.0-flip-v1"  # part of the cache key: change it when views change


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    sha256: str


def scan_images(folder: str | Path) -> list[ImageRecord]:
    """Every image under ``folder`` (sorted by path), each decoded once to reject unreadable files."""
    root = Path(folder)
    if not root.is_dir():
        raise DistillError(f"--data {folder}: not a folder; pass a folder of images (jpg/png/webp/bmp)")
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DistillError(f"--data {folder}: no images found (looked recursively for "
                           f"{'/'.join(s[1:] for s in IMAGE_SUFFIXES)})")
    records = []
    for p in paths:
        try:
            load_rgb(p)
        except (InputError, OSError, ValueError) as exc:
            raise DistillError(f"--data: cannot read {p} ({exc}); remove or replace the file") from None
        records.append(ImageRecord(p, hashlib.sha256(p.read_bytes()).hexdigest()))
    return records


def _rng(*keys) -> np.random.Generator:
    """A generator seeded from integers and hex strings (stable across processes and runs)."""
    ints = [int(k[:16], 16) if isinstance(k, str) else int(k) for k in keys]
    return np.random.default_rng(ints)


def view(rgb: np.ndarray, sha256: str, index: int) -> np.ndarray:
    """View ``index`` of an image: 0 = unchanged, else a seeded random-resized crop (35-100 % of the
    area, aspect 3/4-4/3) flipped left-right with probability 1/2."""
    if index == 0:
        return rgb
    g = _rng(sha256, index)
    h, w = rgb.shape[:2]
    area = h * w * g.uniform(0.35, 1.0)
    aspect = np.exp(g.uniform(np.log(3 / 4), np.log(4 / 3)))
    ch = int(min(h, max(8, round(np.sqrt(area / aspect)))))
    cw = int(min(w, max(8, round(np.sqrt(area * aspect)))))
    y0, x0 = int(g.integers(0, h - ch + 1)), int(g.integers(0, w - cw + 1))
    out = rgb[y0:y0 + ch, x0:x0 + cw]
    if g.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def jitter(rgb: np.ndarray, g: np.random.Generator, strength: float) -> np.ndarray:
    """Brightness, contrast and saturation jitter of up to ``strength`` (0 = off)."""
    if strength <= 0:
        return rgb
    x = rgb.astype(np.float32)
    b, c, s = (1 + g.uniform(-strength, strength, 3)).tolist()
    x = x * b
    x = (x - x.mean()) * c + x.mean()
    grey = x.mean(axis=2, keepdims=True)
    x = (x - grey) * s + grey
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def student_input(rgb: np.ndarray, size: int) -> np.ndarray:
    """SAM's preprocessing at ``size``: resize the longest side, normalise, zero-pad -> (3, size, size)."""
    from edgevfm_runtime.sam.transforms import normalize_pad, resize_longest

    return normalize_pad(resize_longest(rgb, size), size)[0]


class ViewDataset:
    """Item i = (view i % views of image i // views): the student's input and the cache key."""

    def __init__(self, records: list[ImageRecord], *, views: int, prepare, jitter: float, seed: int) -> None:
        """``prepare``: an image view (uint8 HWC) -> the student's input array (the task's preprocessing)."""
        self.records, self.views, self.prepare, self.jitter, self.seed = records, views, prepare, jitter, seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.records) * self.views

    def key(self, i: int) -> tuple[str, int]:
        return self.records[i // self.views].sha256, i % self.views

    def image(self, i: int) -> np.ndarray:
        rec = self.records[i // self.views]
        return view(load_rgb(rec.path), rec.sha256, i % self.views)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        # per-(seed, epoch, item) randomness: the same sample gets the same jitter on any rank count
        rgb = jitter(self.image(i), _rng(self.seed, self.epoch, i), self.jitter)
        return self.prepare(rgb), i
