"""DINOv2 vision transformer with the official parameter names (loads released checkpoints strictly)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config import DinoV2Config, with_pos_embed_resample


def _refresh_after_load(module: "DinoV2", _incompatible_keys) -> None:
    module._refresh_export_pos_embed()


class PatchEmbed(nn.Module):
    """Non-overlapping patch projection: (B, 3, H, W) -> (B, H/p * W/p, D)."""

    def __init__(self, *, patch_size: int, embed_dim: int, in_chans: int = 3):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % self.patch_size or w % self.patch_size:
            raise ValueError(f"input {h}x{w} is not a multiple of the patch size {self.patch_size}")
        x = self.proj(x)
        return x.reshape(x.shape[0], x.shape[1], -1).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention on a fused qkv projection laid out (3, heads, head_dim)."""

    def __init__(self, *, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        h = self.num_heads
        # (B, N, 3·h, hd) -> (B, 3·h, N, hd), then q/k/v are head slices: stays 4-D because 5-D
        # reshapes/transposes break some NPU/GPU delegates (TFLite GPU, QNN).
        qkv = self.qkv(x).reshape(b, n, 3 * h, c // h).transpose(1, 2)
        q, k, v = qkv[:, :h], qkv[:, h : 2 * h], qkv[:, 2 * h :]
        attn = torch.matmul(q * self.scale, k.transpose(-2, -1)).softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class Mlp(nn.Module):
    """fc1 -> exact (erf) GELU -> fc2."""

    def __init__(self, *, dim: int, hidden_dim: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class LayerScale(nn.Module):
    """Per-channel residual-branch scale ``gamma``."""

    def __init__(self, *, dim: int, init_value: float = 1.0):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), init_value))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class Block(nn.Module):
    """Pre-norm transformer block: x += ls1(attn(norm1 x)); x += ls2(mlp(norm2 x))."""

    def __init__(self, *, config: DinoV2Config):
        super().__init__()
        dim = config.embed_dim
        self.norm1 = nn.LayerNorm(dim, eps=config.eps)
        self.attn = Attention(dim=dim, num_heads=config.num_heads)
        self.ls1 = LayerScale(dim=dim) if config.layerscale else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=config.eps)
        self.mlp = Mlp(dim=dim, hidden_dim=config.mlp_hidden_dim)
        self.ls2 = LayerScale(dim=dim) if config.layerscale else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class DinoV2(nn.Module):
    """DINOv2 backbone. Token order: [CLS, registers, patches row-major]; registers get no pos-embed."""

    def __init__(self, *, config: DinoV2Config):
        super().__init__()
        self.config = config
        d, r = config.embed_dim, config.num_register_tokens
        self.patch_size = config.patch_size
        self.num_register_tokens = r
        self.patch_embed = PatchEmbed(patch_size=config.patch_size, embed_dim=d)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + config.grid_size**2, d))
        self.register_tokens = nn.Parameter(torch.zeros(1, r, d)) if r else None
        self.mask_token = nn.Parameter(torch.zeros(1, d))  # training-only, kept for strict loading
        self.blocks = nn.ModuleList(Block(config=config) for _ in range(config.depth))
        self.norm = nn.LayerNorm(d, eps=config.eps)
        if config.out_dim:
            self.student_proj = nn.Linear(d, config.out_dim)
        self._export_hw: tuple[int, int] | None = None
        self.register_buffer("export_pos_embed", None, persistent=False)
        # A cached pos-embed computed before loading weights would be stale (cf. MobileSAM's `ab`).
        self.register_load_state_dict_post_hook(_refresh_after_load)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Random init (truncated normal 0.02, zero biases, LayerScale 1); real use loads a checkpoint."""
        for p in (self.cls_token, self.pos_embed, self.register_tokens):
            if p is not None:
                nn.init.trunc_normal_(p, std=0.02)
        nn.init.zeros_(self.mask_token)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
        self._refresh_export_pos_embed()

    # -- positional embedding -------------------------------------------------------------------------------
    def interpolated_pos_embed(self, h: int, w: int) -> torch.Tensor:
        """Positional embedding (1, 1 + (h/p)(w/p), D) for an h x w pixel input, resampled from the stored grid
        the way ``config.pos_embed_resample`` says (official by default)."""
        gh, gw = h // self.patch_size, w // self.patch_size
        n = self.pos_embed.shape[1] - 1
        if gh * gw == n and h == w:
            return self.pos_embed
        pos = self.pos_embed.float()
        m = int(math.sqrt(n))
        grid = pos[:, 1:].reshape(1, m, m, -1).permute(0, 3, 1, 2)
        offset = self.config.interpolate_offset
        if offset:
            # Historical kludge kept by the official code: sampling uses this scale, not m/gh.
            # Python floats: tensor scale factors broke tracing (dinov2 #102).
            size_kw = {"scale_factor": (float(gh + offset) / m, float(gw + offset) / m)}
        else:
            size_kw = {"size": (gh, gw)}
        grid = F.interpolate(grid, mode="bicubic", antialias=self.config.interpolate_antialias, **size_kw)
        if tuple(grid.shape[-2:]) != (gh, gw):
            raise RuntimeError(f"pos-embed interpolation gave {tuple(grid.shape[-2:])}, expected {(gh, gw)}")
        grid = grid.permute(0, 2, 3, 1).reshape(1, gh * gw, -1)
        return torch.cat([pos[:, :1], grid], dim=1).to(self.pos_embed.dtype)

    def set_pos_embed_resample(self, method: str) -> None:
        """Resample the pos-embed the way ``method`` (official | transformers | timm) does from now on."""
        self.config = with_pos_embed_resample(self.config, method)
        self._refresh_export_pos_embed()

    def set_export_resolution(self, h: int, w: int) -> None:
        """Precompute the pos-embed for h x w so a traced graph holds a constant instead of a bicubic resize.

        ``load_state_dict`` refreshes it; call again after editing ``pos_embed`` in place.
        """
        if h % self.patch_size or w % self.patch_size:
            raise ValueError(f"export resolution {h}x{w} is not a multiple of the patch size {self.patch_size}")
        self._export_hw = (int(h), int(w))
        self._refresh_export_pos_embed()

    def clear_export_resolution(self) -> None:
        """Drop the precomputed pos-embed; every resolution is interpolated on the fly again."""
        self._export_hw = None
        self.export_pos_embed = None

    @torch.no_grad()
    def _refresh_export_pos_embed(self) -> None:
        if self._export_hw is not None:
            self.export_pos_embed = self.interpolated_pos_embed(*self._export_hw).detach().clone()

    def _pos_embed_for(self, h: int, w: int) -> torch.Tensor:
        if self._export_hw == (h, w) and self.export_pos_embed is not None:
            return self.export_pos_embed
        return self.interpolated_pos_embed(h, w)

    # -- forward --------------------------------------------------------------------------------------------
    @staticmethod
    def _batched(t: torch.Tensor, b: int) -> torch.Tensor:
        # Skipping the no-op expand at batch 1 keeps a traced graph free of an Expand/Where shape chain.
        return t if b == 1 else t.expand(b, -1, -1)

    def prepare_tokens(self, x: torch.Tensor, masks: torch.Tensor | None = None) -> torch.Tensor:
        """Patchify, optionally replace masked patches by ``mask_token``, add CLS + pos-embed, insert registers."""
        b, _, h, w = x.shape
        tokens = self.patch_embed(x)
        if masks is not None:
            tokens = torch.where(masks.unsqueeze(-1), self.mask_token.to(tokens.dtype).unsqueeze(0), tokens)
        tokens = torch.cat([self._batched(self.cls_token, b), tokens], dim=1)
        tokens = tokens + self._pos_embed_for(h, w).to(tokens.dtype)
        if self.register_tokens is not None:
            regs = self._batched(self.register_tokens, b)
            tokens = torch.cat([tokens[:, :1], regs, tokens[:, 1:]], dim=1)
        return tokens

    def forward_tokens(
        self, x: torch.Tensor, *, layers: Sequence[int] = (), masks: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run all blocks; return the final pre-norm tokens and the outputs of ``layers`` (in block order)."""
        take = set(layers)
        tokens = self.prepare_tokens(x, masks)
        taken = []
        for i, blk in enumerate(self.blocks):
            tokens = blk(tokens)
            if i in take:
                taken.append(tokens)
        return tokens, taken

    def normed(self, tokens: torch.Tensor) -> torch.Tensor:
        """The final norm, then a student's head into its teacher's feature space (if it has one)."""
        out = self.norm(tokens)
        return self.student_proj(out) if self.config.out_dim else out

    def forward_features(self, x: torch.Tensor, masks: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Official ``forward_features`` dict (without the ``masks`` echo)."""
        prenorm, _ = self.forward_tokens(x, masks=masks)
        normed = self.normed(prenorm)
        r = self.num_register_tokens
        return {
            "x_norm_clstoken": normed[:, 0],
            "x_norm_regtokens": normed[:, 1 : 1 + r],
            "x_norm_patchtokens": normed[:, 1 + r :],
            "x_prenorm": prenorm,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised CLS token (B, D) (the official head is Identity)."""
        return self.forward_features(x)["x_norm_clstoken"]

    def get_intermediate_layers(
        self,
        x: torch.Tensor,
        n: int | Sequence[int] = 1,
        reshape: bool = False,
        return_class_token: bool = False,
        norm: bool = True,
    ) -> tuple:
        """Outputs of the last ``n`` blocks (int) or of the listed block indices, official semantics."""
        depth = len(self.blocks)
        wanted = list(range(depth - n, depth)) if isinstance(n, int) else list(n)
        if not all(0 <= i < depth for i in wanted):
            raise ValueError(f"layers {wanted} out of range for depth {depth}")
        _, outputs = self.forward_tokens(x, layers=wanted)
        if len(outputs) != len(wanted):
            raise ValueError(f"duplicate layer indices in {wanted}")
        if norm:
            outputs = [self.normed(o) for o in outputs]
        class_tokens = [o[:, 0] for o in outputs]
        outputs = [o[:, 1 + self.num_register_tokens :] for o in outputs]
        if reshape:
            b, _, h, w = x.shape
            p = self.patch_size
            outputs = [o.reshape(b, h // p, w // p, -1).permute(0, 3, 1, 2).contiguous() for o in outputs]
        if return_class_token:
            return tuple(zip(outputs, class_tokens))
        return tuple(outputs)
