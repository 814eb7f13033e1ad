"""SAM two-way transformer: tokens attend to the image and the image attends back to tokens."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head attention with q/k/v projections to ``dim // downsample_rate`` (no masks)."""

    def __init__(self, *, dim: int, num_heads: int, downsample_rate: int = 1) -> None:
        super().__init__()
        inner = dim // downsample_rate
        self.num_heads = num_heads
        self.temperature = math.sqrt(inner // num_heads)  # divide (not multiply) like the reference
        self.q_proj = nn.Linear(dim, inner)
        self.k_proj = nn.Linear(dim, inner)
        self.v_proj = nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, _, c = x.shape  # -1, not the traced token count (see reassociated_attention)
        return x.reshape(b, -1, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, order: str = "plain") -> torch.Tensor:
        """``order``: "plain" (the official products), or "few_queries" / "few_keys", the same maths
        re-associated onto the short side (``reassociated_attention``; run here so exported nodes keep this
        module's name)."""
        if order != "plain":
            from .reassociated_attention import ORDERS

            return ORDERS[order](self, q, k, v)
        q = self._heads(self.q_proj(q))
        k = self._heads(self.k_proj(k))
        v = self._heads(self.v_proj(v))
        attn = (q @ k.transpose(-2, -1)) / self.temperature
        out = attn.softmax(dim=-1) @ v
        b, h, _, d = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, -1, h * d))


def _orders(fast: bool) -> tuple[str, str]:
    """Attention orders of (token→image, image→token)."""
    return ("few_queries", "few_keys") if fast else ("plain", "plain")


class MLPBlock(nn.Module):
    """lin1 -> ReLU -> lin2."""

    def __init__(self, *, dim: int, mlp_dim: int) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, mlp_dim)
        self.lin2 = nn.Linear(mlp_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(F.relu(self.lin1(x)))


class TwoWayAttentionBlock(nn.Module):
    """Token self-attn, token->image cross-attn, token MLP, image->token cross-attn (post-norm)."""

    def __init__(self, *, dim: int, num_heads: int, mlp_dim: int, skip_first_layer_pe: bool) -> None:
        super().__init__()
        self.self_attn = Attention(dim=dim, num_heads=num_heads)
        self.norm1 = nn.LayerNorm(dim)
        self.cross_attn_token_to_image = Attention(dim=dim, num_heads=num_heads, downsample_rate=2)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim=dim, mlp_dim=mlp_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.norm4 = nn.LayerNorm(dim)
        self.cross_attn_image_to_token = Attention(dim=dim, num_heads=num_heads, downsample_rate=2)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, query_pe: torch.Tensor,
                key_pe: torch.Tensor, *, fast: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        to_image, to_token = _orders(fast)
        if self.skip_first_layer_pe:
            # First layer: the tokens *are* the PE; no residual (as in the reference).
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)

        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys, order=to_image))
        queries = self.norm3(queries + self.mlp(queries))

        q, k = queries + query_pe, keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries, order=to_token))
        return queries, keys


class TwoWayTransformer(nn.Module):
    """``depth`` two-way blocks plus a final token->image attention."""

    def __init__(self, *, depth: int = 2, dim: int = 256, num_heads: int = 8, mlp_dim: int = 2048) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(dim=dim, num_heads=num_heads, mlp_dim=mlp_dim, skip_first_layer_pe=i == 0)
            for i in range(depth)
        )
        self.final_attn_token_to_image = Attention(dim=dim, num_heads=num_heads, downsample_rate=2)
        self.norm_final_attn = nn.LayerNorm(dim)

    def forward(self, image_embedding: torch.Tensor, image_pe: torch.Tensor,
                point_embedding: torch.Tensor, *, fast: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """image_embedding (B, C, H, W), image_pe (1 or B, C, H, W), tokens (B, T, C)
        -> (tokens (B, T, C), image tokens (B, H*W, C)). ``fast``: the cross-attentions' image-side
        products in the cheaper order of ``reassociated_attention`` (same maths)."""
        keys = image_embedding.flatten(2).transpose(1, 2)
        key_pe = image_pe.flatten(2).transpose(1, 2)
        queries = point_embedding
        for layer in self.layers:
            queries, keys = layer(queries, keys, point_embedding, key_pe, fast=fast)
        q, k = queries + point_embedding, keys + key_pe
        to_image, _ = _orders(fast)
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys, order=to_image))
        return queries, keys
