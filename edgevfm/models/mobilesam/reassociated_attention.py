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
never wrong. Exported graphs use it (``SamOnnxDecoder``); the PyTorch reference keeps the plain order."""
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
    b, t, _ = q.shape
    qh = attn._heads(attn.q_proj(q)) / attn.temperature  # (B, H, T, d)
    wk = _per_head(attn.k_proj.weight, h)  # (H, d, C)
    qk = (qh @ wk).reshape(b, h * t, -1)  # (B, H·T, C)
    a = (qk @ k.transpose(1, 2)).reshape(b, h, t, -1).softmax(dim=-1)  # (B, H, T, N)
    ctx = (a.reshape(b, h * t, -1) @ v).reshape(b, h, t, -1)  # Σ_n a x_n: (B, H, T, C)
    wv = _per_head(attn.v_proj.weight, h)  # (H, d, C)
    out = ctx @ wv.transpose(1, 2) + attn.v_proj.bias.reshape(h, 1, -1)  # (B, H, T, d)
    return attn.out_proj(out.transpose(1, 2).reshape(b, t, -1))


def few_keys(attn: "Attention", q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``attn(q, k, v)`` for N queries (1 or B, N, C) over T keys/values (B, T, C)."""
    h = attn.num_heads
    b, t, _ = k.shape
    kh = attn._heads(attn.k_proj(k)) / attn.temperature  # (B, H, T, d)
    wq = _per_head(attn.q_proj.weight, h)  # (H, d, C)
    kq = wq.transpose(1, 2) @ kh.transpose(2, 3)  # (B, H, C, T)
    kq = kq.transpose(1, 2).reshape(b, -1, h * t)  # (B, C, H·T)
    bias = (kh @ attn.q_proj.bias.reshape(h, -1, 1)).reshape(b, 1, h * t)  # b_q,h · k_h: (B, 1, H·T)
    n = q.shape[1]
    a = (q @ kq + bias).reshape(b, n, h, t).softmax(dim=-1)  # (B, N, H, T)
    vh = attn._heads(attn.v_proj(v))  # (B, H, T, d)
    wo = attn.out_proj.weight.reshape(-1, h, vh.shape[-1]).transpose(0, 1)  # (H, C, d)
    u = (vh @ wo.transpose(1, 2)).reshape(b, h * t, -1)  # W_o,h v_h,t: (B, H·T, C)
    return a.reshape(b, n, h * t) @ u + attn.out_proj.bias


ORDERS = {"few_queries": few_queries, "few_keys": few_keys}
