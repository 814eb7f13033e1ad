"""SAM's output upscaling and mask product on the transformer's token layout, without ConvTranspose.

``ConvTranspose2d(kernel 2, stride 2)`` writes each input pixel's ``W[:, :, a, b]ᵀ x`` to output pixel
``(2i+a, 2j+b)``: a per-token matmul to 4·C_out channels followed by a pixel shuffle. Kept channel-last, the two
upscaling stages are two matmuls plus a LayerNorm over the last axis; the hypernetwork's mask product runs on
that layout too, so only the K masks (not the 32-channel feature map) are put back in image order. Same
maths as ``MaskDecoder.output_upscaling`` + the mask product; engines run matmuls much faster than transposed
convolutions (ONNX Runtime: 8.7 ms for the two ConvTranspose nodes, see bench/results/sam_predict_fast.md)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _as_linear(conv: nn.ConvTranspose2d) -> tuple[torch.Tensor, torch.Tensor]:
    """(C_in, 4·C_out) weight and (4·C_out,) bias, output channels ordered (a, b, c_out)."""
    w = conv.weight  # (C_in, C_out, 2, 2)
    c_in, c_out = w.shape[:2]
    return w.permute(0, 2, 3, 1).reshape(c_in, 4 * c_out), conv.bias.repeat(4)


def upscaled_masks(upscaling: nn.Sequential, src: torch.Tensor, hyper_in: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """src (B, h·w, C) image tokens, hyper_in (B, K, C/8) → masks (B, K, 4h, 4w)."""
    conv1, norm, _, conv2, _ = upscaling
    b = src.shape[0]
    w1, b1 = _as_linear(conv1)
    x = (src @ w1 + b1).reshape(b, h * w, 4, -1)  # (B, h·w, (a,b), C/4)
    x = F.gelu(F.layer_norm(x, norm.weight.shape, norm.weight, norm.bias, norm.eps))
    w2, b2 = _as_linear(conv2)
    x = F.gelu(x @ w2 + b2).reshape(b, h * w * 16, -1)  # (B, h·w·(a,b)·(a',b'), C/8)
    k = hyper_in.shape[1]
    m = hyper_in @ x.transpose(1, 2)  # (B, K, (i, j, a, b, a', b'))
    # to pixel (4i + 2a + a', 4j + 2b + b') in two 4-D transposes (TFLite, Core ML and XNNPACK cap the rank)
    m = m.reshape(-1, w, 2, 8).transpose(1, 2)  # (B·K·i, a, j, (b, a', b'))
    m = m.reshape(-1, 2 * w, 2, 2).transpose(1, 2)  # (B·K·i·a, a', (j, b), b')
    return m.reshape(b, k, 4 * h, 4 * w)
