"""MobileSAM references from the official code (``mobile_sam`` of PyPI ``mobilesam-mirror``)."""
from __future__ import annotations

import numpy as np
import torch

from . import photos
from .shims import import_official
from .weights import perturbed_state_dict

IMAGES = {"chelsea": photos.chelsea, "portrait": photos.portrait}
ENCODER_GAIN = 2.0  # see encoder_gain_(): makes the encoder's output depend on the photo


def official():
    return import_official("mobile_sam", "utils.onnx")


def build(state_dict: dict[str, torch.Tensor] | None = None):
    """The official ``vit_t`` model: seeded weights, or ``state_dict`` loaded strictly."""
    ms = official()
    torch.manual_seed(7)
    model = ms.build_sam_vit_t().eval()
    if state_dict is None:
        state_dict = perturbed_state_dict(model)
    model.load_state_dict(state_dict, strict=True)
    return model.eval()  # again: TinyViT caches its attention biases from the loaded parameters


def encoder_gain_(state_dict: dict[str, torch.Tensor], gain: float = ENCODER_GAIN) -> dict[str, torch.Tensor]:
    """Multiply the image encoder's weight matrices (conv and linear weights, not norms) by ``gain``.

    Randomly initialised TinyViT collapses its input (two photos' embeddings differ by ~1e-6
    relative); with the matrices doubled they differ by ~0.7, so an encoder bug shows in the outputs."""
    for k, v in state_dict.items():
        if k.startswith("image_encoder.") and k.endswith(".weight") and v.ndim >= 2:
            v.mul_(gain)
    return state_dict


def state_dict(*, encoder_gain: float | None = ENCODER_GAIN) -> dict[str, torch.Tensor]:
    torch.manual_seed(7)
    sd = perturbed_state_dict(official().build_sam_vit_t().eval())
    return encoder_gain_(sd, encoder_gain) if encoder_gain else sd


def _prompts(h: int, w: int) -> dict[str, dict]:
    point = np.array([[0.55 * w, 0.45 * h]])
    box = np.array([0.2 * w, 0.15 * h, 0.8 * w, 0.9 * h])
    centre = np.array([[w / 2, h / 2]])  # the image centre
    return {
        "point": dict(point_coords=point, point_labels=np.array([1]), box=None),
        "two_points": dict(point_coords=np.concatenate([point, [[0.2 * w, 0.8 * h]]]),
                           point_labels=np.array([1, 0]), box=None),
        "box": dict(point_coords=None, point_labels=None, box=box),
        "box_point": dict(point_coords=centre, point_labels=np.array([1]), box=box),
    }


def _packed(out: dict, key: str, masks: np.ndarray) -> None:
    out[f"{key}_masks"] = np.packbits(masks.astype(bool), axis=-1)
    out[f"{key}_masks_shape"] = np.array(masks.shape, dtype=np.int64)


def _onnx_inputs(predictor, prompt: dict, size) -> tuple[np.ndarray, np.ndarray]:
    """Points as the official ONNX example feeds them: a padding point when there is no box, box corners
    labelled 2 and 3, all in the 1024 frame."""
    coords, labels = [], []
    if prompt["point_coords"] is not None:
        coords.append(prompt["point_coords"])
        labels.append(prompt["point_labels"])
    if prompt["box"] is not None:
        coords.append(prompt["box"].reshape(2, 2))
        labels.append(np.array([2, 3]))
    else:
        coords.append(np.zeros((1, 2)))
        labels.append(np.array([-1]))
    coord = predictor.transform.apply_coords(np.concatenate(coords)[None], size).astype(np.float32)
    return coord, np.concatenate(labels)[None].astype(np.float32)


@torch.no_grad()
def outputs(model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Everything ``mobilesam_<photo>.npz`` holds, from the official predictor and ONNX wrapper."""
    ms = official()
    predictor = ms.SamPredictor(model)
    predictor.set_image(image)
    h, w = image.shape[:2]
    resized = predictor.transform.apply_image(image)
    x = model.preprocess(torch.as_tensor(resized).permute(2, 0, 1).contiguous()[None])
    out = {
        "image": image, "original_size": np.array([h, w], dtype=np.int64),
        "input_size": np.array(predictor.input_size, dtype=np.int64), "resized": resized,
        "encoder_input_checksum": np.array([x.double().sum().item(), x.double().abs().sum().item()]),
        "embedding": predictor.features.numpy().copy(),
    }
    onnx_models = {single: ms.utils.onnx.SamOnnxModel(model, return_single_mask=single).eval()
                   for single in (True, False)}
    for name, prompt in _prompts(h, w).items():
        best = None
        for mode, multi in (("multi", True), ("single", False)):
            masks, iou, low = predictor.predict(**prompt, multimask_output=multi)
            _packed(out, f"{name}_{mode}", masks)
            out[f"{name}_{mode}_iou"], out[f"{name}_{mode}_lowres"] = iou, low
            if multi:
                best = low[int(np.argmax(iou))][None]
        _, iou, low = predictor.predict(**prompt, mask_input=best, multimask_output=False)
        out[f"{name}_feedback_iou"], out[f"{name}_feedback_lowres"] = iou, low
        coord, label = _onnx_inputs(predictor, prompt, (h, w))
        for mode, single in (("onnxsingle", True), ("onnxmulti", False)):
            key = f"{name}_{mode}"
            logits, iou, low = onnx_models[single](
                predictor.features, torch.from_numpy(coord), torch.from_numpy(label),
                torch.zeros(1, 1, 256, 256), torch.zeros(1), torch.tensor([h, w], dtype=torch.float32))
            out[f"{key}_point_coords"], out[f"{key}_point_labels"] = coord, label
            _packed(out, key, (logits > model.mask_threshold).numpy())
            out[f"{key}_iou"], out[f"{key}_lowres"] = iou.numpy(), low.numpy()
            if key == "point_onnxsingle":
                out["point_onnxsingle_mask_logits"] = logits.numpy()
    return out


def write(folder, *, encoder_gain: float | None = ENCODER_GAIN) -> None:
    sd = state_dict(encoder_gain=encoder_gain)
    torch.save(sd, folder / "mobilesam.pt")
    model = build(sd)
    for name, photo in IMAGES.items():
        np.savez_compressed(folder / f"mobilesam_{name}.npz", **outputs(model, photo()))


def key_dump() -> str:
    from .weights import key_dump as dump
    return dump(official().build_sam_vit_t().state_dict(), dtype=True)
