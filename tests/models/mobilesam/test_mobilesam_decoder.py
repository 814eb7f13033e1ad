"""Decoder behaviour that needs no golden data: prompt batching, single-mask rule, shapes."""
from __future__ import annotations

import pytest
import torch

from edgevfm.models.mobilesam.export import SamOnnxDecoder, example_decoder_inputs
from edgevfm.models.mobilesam.model import build_mobilesam


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = build_mobilesam()
    with torch.no_grad():  # non-trivial weights everywhere (init leaves some zeros)
        for p in m.parameters():
            p.add_(0.02 * torch.randn_like(p))
    return m


@pytest.fixture(scope="module")
def emb():
    return torch.randn(1, 256, 64, 64, generator=torch.Generator().manual_seed(1))


def test_prompt_batch_equals_single_prompts(model, emb):
    coords = torch.tensor([[[200.0, 300.0]], [[600.0, 500.0]]])
    labels = torch.tensor([[1], [0]])
    boxes = torch.tensor([[100.0, 100.0, 500.0, 600.0], [300.0, 200.0, 900.0, 800.0]])
    low, iou = model.predict_torch(emb, coords, labels, boxes)
    assert low.shape == (2, 3, 256, 256) and iou.shape == (2, 3)
    for i in range(2):
        low_i, iou_i = model.predict_torch(emb, coords[i:i + 1], labels[i:i + 1], boxes[i:i + 1])
        torch.testing.assert_close(low[i:i + 1], low_i, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(iou[i:i + 1], iou_i, rtol=1e-5, atol=1e-5)


def test_predict_torch_pads_points_itself(model, emb):
    """predict_torch appends the (0,0)/-1 point when there is no box; the ONNX wrapper does not."""
    coords, labels = torch.tensor([[[400.0, 250.0]]]), torch.tensor([[1]])
    low, iou = model.predict_torch(emb, coords, labels, multimask_output=True)
    feed = (emb, torch.tensor([[[400.0, 250.0], [0.0, 0.0]]]), torch.tensor([[1.0, -1.0]]),
            torch.zeros(1, 1, 256, 256), torch.zeros(1), torch.tensor([1024.0, 1024.0]))
    _, iou_all, low_all = SamOnnxDecoder(model)(*feed)
    torch.testing.assert_close(low, low_all[:, 1:], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(iou, iou_all[:, 1:], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("num_points", [1, 2, 3, 4])
def test_single_mask_rule(model, emb, num_points):
    """Official 2.5 rule: token 0 iff N > 2.5, else the best of tokens 1..3 by predicted IoU."""
    args = list(example_decoder_inputs(num_points))
    args[0], args[5] = emb, torch.tensor([300.0, 451.0])
    masks_all, iou_all, low_all = SamOnnxDecoder(model)(*args)
    masks, iou, low = SamOnnxDecoder(model, return_single_mask=True)(*args)
    best = 0 if num_points > 2.5 else 1 + int(iou_all[0, 1:].argmax())
    assert masks.shape == (1, 1, 300, 451) and iou.shape == (1, 1) and low.shape == (1, 1, 256, 256)
    torch.testing.assert_close(iou[0, 0], iou_all[0, best])
    torch.testing.assert_close(low[0, 0], low_all[0, best])
    torch.testing.assert_close(masks[0, 0], masks_all[0, best])


def test_postprocess_matches_onnx_wrapper(model, emb):
    args = list(example_decoder_inputs(2))
    args[0] = emb
    args[5] = torch.tensor([300.0, 451.0])
    masks, _, low = SamOnnxDecoder(model)(*args)
    expected = model.postprocess_masks(low, (681, 1024), (300, 451))
    torch.testing.assert_close(masks, expected)
