"""Prompt encoder + mask decoder against the official ``SamPredictor`` and ``SamOnnxModel``."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from edgevfm.models.mobilesam.export import SamOnnxDecoder

from mobilesam_testing import (PROMPTS, assert_close, check_onnx_outputs, mask_iou, onnx_feed,
                               predictor_prompts, unpack_masks)


def _sizes(data):
    return tuple(int(s) for s in data["input_size"]), tuple(int(s) for s in data["original_size"])


@pytest.mark.parametrize("prompt", PROMPTS)
def test_prompt_coordinates_match_golden_feed(golden_data, image_name, prompt):
    """Our coordinate transform reproduces the 1024-frame coords stored for the ONNX cases."""
    data = golden_data[image_name]
    kw = predictor_prompts(prompt, data)
    parts = []
    if "point_coords" in kw:
        parts.append(kw["point_coords"][0].numpy())
    if "boxes" in kw:
        parts.append(kw["boxes"].reshape(2, 2).numpy())
    stored = data[f"{prompt}_onnxsingle_point_coords"][0]
    np.testing.assert_allclose(np.concatenate(parts), stored[: sum(len(p) for p in parts)], rtol=1e-6)


@pytest.mark.parametrize("multimask", [True, False], ids=["multi", "single"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_predict_torch_matches_predictor(sam, embeddings, golden_data, image_name, prompt, multimask):
    data = golden_data[image_name]
    tag = f"{prompt}_{'multi' if multimask else 'single'}"
    low, iou = sam.predict_torch(embeddings[image_name], multimask_output=multimask,
                                 **predictor_prompts(prompt, data))
    assert low.shape == (1, 3 if multimask else 1, 256, 256)
    input_size, original_size = _sizes(data)
    with torch.no_grad():
        masks = sam.postprocess_masks(low, input_size, original_size)[0] > sam.mask_threshold
    assert (mask_iou(masks.numpy(), unpack_masks(data, f"{tag}_masks")) >= 0.99).all()
    assert_close(iou[0].numpy(), data[f"{tag}_iou"], tol=1e-3, name=f"{tag} iou")
    assert_close(low[0].numpy(), data[f"{tag}_lowres"], tol=1e-3, name=f"{tag} low-res")


@pytest.mark.parametrize("prompt", PROMPTS)
def test_mask_feedback(sam, embeddings, golden_data, image_name, prompt):
    """Best multimask low-res logits fed back as mask_input, single-mask output."""
    data = golden_data[image_name]
    kw = predictor_prompts(prompt, data)
    emb = embeddings[image_name]
    low, iou = sam.predict_torch(emb, multimask_output=True, **kw)
    best = low[:, int(iou[0].argmax())][:, None]
    low_fb, iou_fb = sam.predict_torch(emb, mask_input=best, multimask_output=False, **kw)
    assert_close(iou_fb[0].numpy(), data[f"{prompt}_feedback_iou"], tol=1e-3, name="feedback iou")
    assert_close(low_fb[0].numpy(), data[f"{prompt}_feedback_lowres"], tol=1e-3, name="feedback low-res")


@pytest.mark.parametrize("single", [False, True], ids=["multi", "single"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_onnx_wrapper_in_torch(sam, golden_data, image_name, prompt, single):
    data = golden_data[image_name]
    kind = "onnxsingle" if single else "onnxmulti"
    feed = onnx_feed(prompt, kind, data, data["embedding"])
    outputs = SamOnnxDecoder(sam, return_single_mask=single)(*(torch.from_numpy(v) for v in feed.values()))
    check_onnx_outputs([o.numpy() for o in outputs], data, prompt, kind)
