"""Helpers shared by the MobileSAM tests (imported by name: the tests folder is not a package)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from edgevfm.models.mobilesam.model import PIXEL_MEAN, PIXEL_STD
from numerics import assert_close  # noqa: F401 - re-exported for the MobileSAM tests

IMAGES = ("chelsea", "portrait")
PROMPTS = ("point", "two_points", "box", "box_point")


def unpack_masks(data: dict, key: str) -> np.ndarray:
    """Golden bool masks: ``np.packbits(axis=-1)`` with the true shape in ``{key}_shape``."""
    shape = tuple(int(s) for s in data[f"{key}_shape"])
    return np.unpackbits(data[key], axis=-1)[..., : shape[-1]].astype(bool).reshape(shape)


def mask_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU over the last two axes (1.0 where both masks are empty)."""
    inter = (a & b).sum(axis=(-2, -1))
    union = (a | b).sum(axis=(-2, -1))
    return np.where(union == 0, 1.0, inter / np.maximum(union, 1))


def pil_resize(image: np.ndarray, input_size) -> np.ndarray:
    """Official resize: PIL bilinear (antialiased when downscaling) to (newh, neww), uint8."""
    newh, neww = (int(s) for s in input_size)
    return np.asarray(Image.fromarray(image).resize((neww, newh), Image.BILINEAR))


def encoder_input(resized: np.ndarray) -> torch.Tensor:
    """(h, w, 3) uint8 -> normalised, zero-padded (bottom/right) (1, 3, 1024, 1024) float32."""
    x = torch.from_numpy(resized).permute(2, 0, 1).to(torch.float32)
    mean = torch.tensor(PIXEL_MEAN).view(3, 1, 1)
    std = torch.tensor(PIXEL_STD).view(3, 1, 1)
    x = (x - mean) / std
    h, w = x.shape[1:]
    return torch.nn.functional.pad(x, (0, 1024 - w, 0, 1024 - h)).unsqueeze(0)


def prompt_pixels(name: str, h: int, w: int) -> dict:
    """The golden prompts in original-image pixels (see the golden README)."""
    click, negative = [0.55 * w, 0.45 * h], [0.2 * w, 0.8 * h]
    box = [0.2 * w, 0.15 * h, 0.8 * w, 0.9 * h]
    return {
        "point": {"points": [click], "labels": [1], "box": None},
        "two_points": {"points": [click, negative], "labels": [1, 0], "box": None},
        "box": {"points": None, "labels": None, "box": box},
        "box_point": {"points": [[0.5 * w, 0.5 * h]], "labels": [1], "box": box},
    }[name]


def to_model_frame(xy: np.ndarray, original_size, input_size) -> np.ndarray:
    """Official ``apply_coords``: x * (neww / w), y * (newh / h) in float64."""
    (h, w), (newh, neww) = original_size, input_size
    xy = np.array(xy, dtype=np.float64).reshape(-1, 2)
    xy[:, 0] *= neww / w
    xy[:, 1] *= newh / h
    return xy


def predictor_prompts(name: str, data: dict) -> dict:
    """Keyword arguments for ``MobileSAM.predict_torch`` (1024 frame, batch 1)."""
    h, w = (int(s) for s in data["original_size"])
    size, new = (h, w), tuple(int(s) for s in data["input_size"])
    p = prompt_pixels(name, h, w)
    kw = {}
    if p["points"] is not None:
        kw["point_coords"] = torch.tensor(to_model_frame(p["points"], size, new), dtype=torch.float32)[None]
        kw["point_labels"] = torch.tensor(p["labels"], dtype=torch.int32)[None]
    if p["box"] is not None:
        kw["boxes"] = torch.tensor(to_model_frame(p["box"], size, new).reshape(1, 4), dtype=torch.float32)
    return kw


def onnx_feed(name: str, kind: str, data: dict, embedding: np.ndarray) -> dict[str, np.ndarray]:
    """Inputs of the SAM ONNX decoder for a golden case (``kind`` is onnxsingle/onnxmulti)."""
    h, w = (float(s) for s in data["original_size"])
    return {
        "image_embeddings": np.asarray(embedding, dtype=np.float32),
        "point_coords": data[f"{name}_{kind}_point_coords"],
        "point_labels": data[f"{name}_{kind}_point_labels"],
        "mask_input": np.zeros((1, 1, 256, 256), np.float32),
        "has_mask_input": np.zeros(1, np.float32),
        "orig_im_size": np.array([h, w], np.float32),
    }


def ort_session(path: Path):
    """CPU onnxruntime session with 2 intra-op threads."""
    ort = pytest.importorskip("onnxruntime")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def check_onnx_outputs(outputs, data, prompt: str, kind: str) -> None:
    """Compare (masks, iou_predictions, low_res_masks) with the official ONNX-wrapper golden."""
    masks, iou, low = (np.asarray(o) for o in outputs)
    k = 1 if kind == "onnxsingle" else 4
    h, w = (int(s) for s in data["original_size"])
    assert masks.shape == (1, k, h, w) and iou.shape == (1, k) and low.shape == (1, k, 256, 256)
    assert (mask_iou(masks > 0, unpack_masks(data, f"{prompt}_{kind}_masks")) >= 0.99).all()
    assert_close(iou, data[f"{prompt}_{kind}_iou"], tol=1e-3, name=f"{prompt} {kind} iou")
    assert_close(low, data[f"{prompt}_{kind}_lowres"], tol=1e-3, name=f"{prompt} {kind} low-res")
    if prompt == "point" and kind == "onnxsingle":
        assert_close(masks, data["point_onnxsingle_mask_logits"], tol=1e-3, name="mask logits")
