"""Executing a manifest's ``preprocess.steps`` (schema 2) with numpy + Pillow.

The image stays RGB uint8 HxWx3 until ``normalize`` makes it float32 HxWx3; the result is NCHW
float32 with batch 1. Resizes use Pillow's resampling (``"resampler": "pillow"``), which is what the
families' reference pre-processing uses, so the result is bit-identical to it. The op table doubles
as the validator of the manifest's steps (the fields each op needs, by type).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import BundleError, InputError

# A shorter-side resize scales the long side by S/short: past this ratio the intermediate explodes.
MAX_ASPECT_RATIO = 1024
INTERPOLATIONS = ("bilinear", "bicubic")


@dataclass(frozen=True)
class Op:
    fields: Mapping[str, str]  # name -> "int" | "size2" | "vec3" | "number" | "interp"
    fn: Callable[[np.ndarray, dict], np.ndarray]


OPS: dict[str, Op] = {}


def _op(name: str, **fields: str):
    def deco(fn):
        OPS[name] = Op(fields, fn)
        return fn
    return deco


def _pil_resize(img: np.ndarray, h: int, w: int, interpolation: str) -> np.ndarray:
    from PIL import Image

    _uint8(img, "resize")
    filt = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[interpolation]
    return np.asarray(Image.fromarray(img).resize((w, h), filt))


def _uint8(img: np.ndarray, op: str) -> None:
    if img.dtype != np.uint8:
        raise BundleError(f"preprocess op {op!r} needs the uint8 image, but it comes after normalize")


@_op("resize_longest", size="int", interpolation="interp")
def _resize_longest(img, p):
    h, w = img.shape[:2]
    scale = p["size"] * 1.0 / max(h, w)
    newh, neww = int(h * scale + 0.5), int(w * scale + 0.5)
    if min(newh, neww) < 1:
        raise InputError(f"image {w}x{h} is too thin: its short side would become 0 px when the long side is "
                         f"resized to {p['size']}; the aspect ratio must be at most {2 * p['size']}:1")
    return _pil_resize(img, newh, neww, p["interpolation"])


@_op("resize_shorter", size="int", interpolation="interp")
def _resize_shorter(img, p):
    h, w = img.shape[:2]
    size = p["size"]
    if max(h, w) > MAX_ASPECT_RATIO * min(h, w):
        raise InputError(f"image {w}x{h} is too thin: its short side is resized to {size} px; the aspect ratio "
                         f"must be at most {MAX_ASPECT_RATIO}:1")
    short, long = min(h, w), max(h, w)
    new_long = int(size * long / short)  # truncated, as torchvision's Resize(int)
    newh, neww = (size, new_long) if h <= w else (new_long, size)
    return _pil_resize(img, newh, neww, p["interpolation"])


@_op("resize", size="size2", interpolation="interp")
def _resize(img, p):
    return _pil_resize(img, *p["size"], p["interpolation"])


@_op("center_crop", size="size2")
def _center_crop(img, p):
    h, w = img.shape[:2]
    ch, cw = p["size"]
    if h < ch or w < cw:
        raise InputError(f"image {w}x{h} is smaller than the centre crop {cw}x{ch}")
    top, left = int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0))  # Python's round: half to even
    return img[top: top + ch, left: left + cw]


@_op("normalize", divide="number", mean="vec3", std="vec3")
def _normalize(img, p):
    _uint8(img, "normalize")
    x = img.astype(np.float32) / np.float32(p["divide"])
    return (x - np.asarray(p["mean"], np.float32)) / np.asarray(p["std"], np.float32)


@_op("pad", size="size2", value="number")
def _pad(img, p):
    h, w = img.shape[:2]
    ph, pw = p["size"]
    if h > ph or w > pw:
        raise BundleError(f"preprocess op 'pad' to {pw}x{ph} got a larger {w}x{h} image")
    out = np.full((ph, pw, img.shape[2]), p["value"], dtype=img.dtype)
    out[:h, :w] = img
    return out


def _field_ok(kind: str, v: Any) -> bool:
    num = lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)  # noqa: E731
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool) and v > 0
    if kind == "number":
        return num(v)
    if kind == "size2":
        return isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) and x > 0
                                                           for x in v)
    if kind == "vec3":
        return isinstance(v, list) and len(v) == 3 and all(num(x) for x in v)
    return v in INTERPOLATIONS  # "interp"


_EXPECT = {"int": "a positive int", "number": "a number", "size2": "[H, W] of positive ints",
           "vec3": "3 numbers", "interp": f"one of {', '.join(INTERPOLATIONS)}"}


def validate_steps(steps: Any, where: str) -> None:
    """BundleError naming ``where[i].field`` unless every step is a known op with its fields."""
    if not isinstance(steps, list):
        raise BundleError(f"manifest field {where} must be list, got {type(steps).__name__}")
    for i, step in enumerate(steps):
        at = f"{where}[{i}]"
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise BundleError(f"manifest field {at} must be an object with an 'op' name")
        op = OPS.get(step["op"])
        if op is None:
            raise BundleError(f"manifest field {at}.op {step['op']!r} is not one of {', '.join(OPS)}; "
                              "this runtime is too old for the bundle, or the manifest was edited")
        for name, kind in op.fields.items():
            if name not in step:
                raise BundleError(f"manifest is missing field {at}.{name}")
            if not _field_ok(kind, step[name]):
                raise BundleError(f"manifest field {at}.{name} must be {_EXPECT[kind]}, got {step[name]!r:.60}")


def run_steps(rgb: np.ndarray, steps: Sequence) -> np.ndarray:
    """Apply ``steps`` (dicts or manifest_types.Step) to an RGB uint8 HxWx3 image; 1x3xHxW float32."""
    img = np.asarray(rgb)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3 or 0 in img.shape:
        raise InputError(f"expected an RGB uint8 (H, W, 3) image, got {img.dtype} {img.shape}")
    for step in steps:
        d = step if isinstance(step, dict) else step.to_dict()
        img = OPS[d["op"]].fn(img, d)
    if img.dtype != np.float32:
        raise BundleError("preprocess steps end without a normalize op (the model takes float32)")
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None])


def step(op: str, **fields) -> dict:
    """One step as the manifest writes it (resizes name Pillow as their resampler); checked here so a
    family's mistake fails at export, not on the device."""
    d = {"op": op, **fields}
    if op.startswith("resize"):
        d["resampler"] = "pillow"
    validate_steps([d], f"step {op}")
    return d
