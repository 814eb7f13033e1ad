"""OpenAI-style CLIP (ViT image tower + causal text tower) with the official state-dict names."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ClipConfig, ClipTextConfig, ClipVisionConfig


class QuickGELU(nn.Module):
    """x·σ(1.702x), the activation OpenAI CLIP was trained with."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


def _activation(name: str) -> nn.Module:
    return QuickGELU() if name == "quick_gelu" else nn.GELU()


class Attention(nn.Module):
    """Multi-head self-attention on a fused q/k/v projection (``nn.MultiheadAttention`` key names)."""

    def __init__(self, *, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = self.head_dim**-0.5
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, w = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v = qkv.reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if mask is not None:
            attn = attn + mask
        out = attn.softmax(dim=-1) @ v
        return self.out_proj(out.transpose(1, 2).reshape(b, n, w))


class Mlp(nn.Module):
    """c_fc → activation → c_proj."""

    def __init__(self, *, width: int, activation: str) -> None:
        super().__init__()
        self.c_fc = nn.Linear(width, 4 * width)
        self.gelu = _activation(activation)
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class ResidualAttentionBlock(nn.Module):
    """Pre-LN transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, *, width: int, heads: int, activation: str) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(width, eps=1e-5)
        self.attn = Attention(width=width, heads=heads)
        self.ln_2 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = Mlp(width=width, activation=activation)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """A stack of residual blocks, batch-first (B, N, W)."""

    def __init__(self, *, width: int, layers: int, heads: int, activation: str) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList(
            ResidualAttentionBlock(width=width, heads=heads, activation=activation) for _ in range(layers)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x


class VisionTransformer(nn.Module):
    """Image tower: (B, 3, R, R) → (B, embed_dim), unnormalised."""

    def __init__(self, *, config: ClipVisionConfig, embed_dim: int, activation: str) -> None:
        super().__init__()
        w = config.width
        scale = w**-0.5
        self.conv1 = nn.Conv2d(3, w, kernel_size=config.patch_size, stride=config.patch_size, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(w))
        self.positional_embedding = nn.Parameter(scale * torch.randn(config.grid**2 + 1, w))
        self.ln_pre = nn.LayerNorm(w, eps=1e-5)
        self.transformer = Transformer(width=w, layers=config.layers, heads=config.heads, activation=activation)
        self.ln_post = nn.LayerNorm(w, eps=1e-5)
        self.proj = nn.Parameter(scale * torch.randn(w, embed_dim))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.conv1(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj


class CLIP(nn.Module):
    """OpenAI CLIP ViT; loads OpenAI/open_clip state dicts strictly (after the renames in checkpoint.py)."""

    def __init__(self, *, config: ClipConfig) -> None:
        super().__init__()
        self.config = config
        t: ClipTextConfig = config.text
        self.visual = VisionTransformer(config=config.vision, embed_dim=config.embed_dim, activation=config.activation)
        self.token_embedding = nn.Embedding(t.vocab_size, t.width)
        self.positional_embedding = nn.Parameter(torch.empty(t.context_length, t.width))
        self.transformer = Transformer(width=t.width, layers=t.layers, heads=t.heads, activation=config.activation)
        self.ln_final = nn.LayerNorm(t.width, eps=1e-5)
        self.text_projection = nn.Parameter(torch.empty(t.width, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        # Constants, not weights: kept out of the state dict so official checkpoints load strictly.
        mask = torch.full((t.context_length, t.context_length), float("-inf")).triu(1)
        self.register_buffer("attn_mask", mask, persistent=False)
        reverse_pos = torch.arange(t.context_length - 1, -1, -1, dtype=torch.int32)
        self.register_buffer("eot_tiebreak", reverse_pos, persistent=False)
        self._init_text_weights()

    def _init_text_weights(self) -> None:
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        nn.init.normal_(self.text_projection, std=self.config.text.width**-0.5)

    def encode_image(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(B, 3, R, R) normalised pixels → (B, E) unnormalised image embeddings."""
        return self.visual(pixel_values)

    def encode_text(self, input_ids: torch.Tensor) -> torch.Tensor:
        """(B, L) token ids (int32 or int64) → (B, E) unnormalised text embeddings."""
        x = self.token_embedding(input_ids) + self.positional_embedding
        x = self.ln_final(self.transformer(x, self.attn_mask))
        return self._pool_eot(x, input_ids) @ self.text_projection

    def _pool_eot(self, x: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        # Official pooling is x[arange, ids.argmax(-1)]; ArgMax/Gather emit int64, which some edge
        # runtimes (ORT web/mobile builds, NPUs) lack. Keying ids·L + (L-1-pos) keeps the first
        # maximum unique, so an int32 ReduceMax + Equal one-hot MatMul selects exactly that row.
        key = input_ids * self.config.text.context_length + self.eot_tiebreak.to(input_ids.dtype)
        onehot = (key == key.amax(dim=-1, keepdim=True)).to(x.dtype)
        return (onehot.unsqueeze(1) @ x).squeeze(1)

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (logits_per_image (B_img, B_txt), logits_per_text (B_txt, B_img))."""
        img = F.normalize(self.encode_image(image), dim=-1)
        txt = F.normalize(self.encode_text(text), dim=-1)
        logits_per_image = self.logit_scale.exp() * img @ txt.t()
        return logits_per_image, logits_per_image.t()
