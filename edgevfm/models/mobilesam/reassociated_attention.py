"""SAM's cross-attentions between a few prompt tokens (T ≈ 7) and the 4096 image tokens, with the image-side
projections re-associated onto the token side. Same maths as ``Attention.forward``; only the order of the
products changes, so the results agree to float rounding (tests/models/mobilesam/test_decoder_fast_order.py).

``Attention.forward`` projects every image token through q/k/v/out (4096 × 256 × 128 MACs each). But every
image-side quantity only ever meets the T tokens' vectors per head:

* token → image: ``softmax(q_h · (W_k,h x + b_k,h))`` = ``softmax((W_k,hᵀ q_h) · x)`` (the bias term is constant
  along the softmax axis), and ``Σ a (W_v,h x + b_v,h)`` = ``W_v,h (Σ a x) + b_v,h`` (weights sum to 1);
* image → token: ``(W_q,h x + b_q,h) · k_h`` = ``x · (W_q,hᵀ k_h) + b_q,h · k_h``, and the output projection
  ``W_o (concat_h Σ_t a v_h,t)`` = ``Σ_h,t a (W_o,h v_h,t)``.

So the 4096-token products have width heads × T (56 for one click) instead of 128: about 2.3× fewer FLOPs in
the decoder's dominant matmuls. It pays while T < 16 (one prompt set of up to ~10 points); beyond, it costs more,
never wrong. Exported graphs use it (``SamOnnxDecoder``); the PyTorch reference keeps the plain order.

Reshapes name the token count as -1, not as a traced size: with a dynamic point count a traced size is a
symbolic expression that exporters compute in the graph (ONNX: Shape/Gather/Concat chains; ExecuTorch: more
ops outside the XNNPACK partitions)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .transformer import Attention


def _per_head(w: torch.Tensor, heads: int) -> torch.Tensor:
    """nn.Linear weight (inner, C) → (heads, d, C)."""
    return w.reshape(heads, w.shape[0] // heads, w.shape[1])


def few_queries(attn: "Attention", q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``attn(q, k, v)`` for T queries (B, T, C) over N keys/values (1 or B, N, C)."""
    h = attn.num_heads
    b = q.shape[0]
    qh = attn._heads(attn.q_proj(q)) / attn.temperature  # (B, H, T, d)
    c, n = k.shape[2], k.shape[1]
    qk = (qh @ _per_head(attn.k_proj.weight, h)).reshape(b, -1, c)  # W_k,hᵀ q_h: (B, H·T, C)
    a = (qk @ k.transpose(1, 2)).reshape(b, h, -1, n).softmax(dim=-1)  # (B, H, T, N)
    ctx = (a.reshape(b, -1, n) @ v).reshape(b, h, -1, c)  # Σ_n a x_n: (B, H, T, C)
    wv = _per_head(attn.v_proj.weight, h)  # (H, d, C)
    out = ctx @ wv.transpose(1, 2) + attn.v_proj.bias.reshape(h, 1, -1)  # (B, H, T, d)
    return attn.out_proj(out.transpose(1, 2).reshape(b, -1, attn.v_proj.out_features))


def few_keys(attn: "Attention", q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``attn(q, k, v)`` for N queries (1 or B, N, C) over T keys/values (B, T, C)."""
    h = attn.num_heads
    b = k.shape[0]
    kh = attn._heads(attn.k_proj(k)) / attn.temperature  # (B, H, T, d)
    kq = kh @ _per_head(attn.q_proj.weight, h)  # W_q,hᵀ k_h: (B, H, T, C)
    c = q.shape[2]
    kq = kq.permute(0, 3, 1, 2).reshape(b, c, -1)  # (B, C, H·T)
    bias = (kh @ attn.q_proj.bias.reshape(h, -1, 1)).reshape(b, 1, -1)  # b_q,h · k_h: (B, 1, H·T)
    n = q.shape[1]
    a = (q @ kq + bias).reshape(b, n, h, -1).softmax(dim=-1)  # (B, N, H, T)
    vh = attn._heads(attn.v_proj(v))  # (B, H, T, d)
    wo = attn.out_proj.weight.reshape(-1, h, vh.shape[-1]).transpose(0, 1)  # (H, C, d)
    u = (vh @ wo.transpose(1, 2)).reshape(b, -1, c)  # W_o,h v_h,t: (B, H·T, C)
    return a.reshape(b, n, -1) @ u + attn.out_proj.bias


ORDERS = {"few_queries": few_queries, "few_keys": few_keys}
