"""TinyViT-5M image encoder as configured by MobileSAM (1024x1024 input -> 256x64x64).

Layout: convolutional parts run in NCHW; inside a transformer stage the residual stream is
channels-last (B, H, W, C) and attention works on windows (B*nWin, w*w, C). Every reshape and
transpose is at most 4-D (TFLite's GPU delegate and QNN reject 6-D/5-D ones), and all shapes
are static Python ints, so the exported graph has no Shape arithmetic.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .common import Conv2d_BN, LayerNorm2d

IMG_SIZE = 1024


def relative_bias_index(window: int) -> torch.Tensor:
    """Flat (w^4,) int64 index into ``attention_biases`` columns: |dy| * w + |dx| for every pair
    of row-major window positions (query-major)."""
    pos = torch.arange(window)
    y = pos.repeat_interleave(window)
    x = pos.repeat(window)
    return ((y[:, None] - y[None, :]).abs() * window + (x[:, None] - x[None, :]).abs()).flatten()


class PatchEmbed(nn.Module):
    """Two stride-2 3x3 Conv2d_BN with GELU between: (B,3,H,W) -> (B,dim,H/4,W/4)."""

    def __init__(self, *, in_chans: int, dim: int) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            Conv2d_BN(in_chans, dim // 2, kernel_size=3, stride=2, padding=1),
            nn.GELU(),
            Conv2d_BN(dim // 2, dim, kernel_size=3, stride=2, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual (1x1 expand, 3x3 depthwise, 1x1 project); GELU after the residual."""

    def __init__(self, *, dim: int, expand_ratio: float) -> None:
        super().__init__()
        hidden = int(dim * expand_ratio)
        self.conv1 = Conv2d_BN(dim, hidden)
        self.conv2 = Conv2d_BN(hidden, hidden, kernel_size=3, padding=1, groups=hidden)
        self.conv3 = Conv2d_BN(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.gelu(self.conv1(x))
        y = F.gelu(self.conv2(y))
        return F.gelu(self.conv3(y) + x)


class PatchMerging(nn.Module):
    """1x1 conv, depthwise 3x3 (stride 2, or 1 for MobileSAM's 320-wide output), 1x1 conv; NCHW."""

    def __init__(self, *, dim: int, out_dim: int) -> None:
        super().__init__()
        stride = 1 if out_dim in (320, 448, 576) else 2
        self.conv1 = Conv2d_BN(dim, out_dim)
        self.conv2 = Conv2d_BN(out_dim, out_dim, kernel_size=3, stride=stride, padding=1, groups=out_dim)
        self.conv3 = Conv2d_BN(out_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.conv1(x))
        x = F.gelu(self.conv2(x))
        return self.conv3(x)


class ConvLayer(nn.Module):
    """Stage 0: MBConv blocks, then PatchMerging; NCHW in and out."""

    def __init__(self, *, dim: int, out_dim: int, depth: int, expand_ratio: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim=dim, expand_ratio=expand_ratio) for _ in range(depth))
        self.downsample = PatchMerging(dim=dim, out_dim=out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x)


class Attention(nn.Module):
    """Window self-attention with LayerNorm and learned relative-position biases.

    Input/output (B', N=w*w, C). ``qkv`` rows are head-major: [q_i, k_i, v_i] per head i.
    """

    def __init__(self, *, dim: int, num_heads: int, window: int) -> None:
        super().__init__()
        self.window = window
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, window * window))
        # Gathered from the *loaded* parameter at every call; caching it is what makes the
        # reference model stale after loading. The index is 1-D because torch's ONNX constant
        # folder only folds Gather with rank <= 1 indices (then the bias is an initializer).
        self.register_buffer("bias_idx", relative_bias_index(window), persistent=False)

    def _heads(self, x: torch.Tensor, i: int, scale: float = 1.0) -> torch.Tensor:
        """q (i=0), k (1) or v (2) of all heads as (B', h, N, d), optionally pre-scaled."""
        h, d = self.num_heads, self.head_dim
        c = h * d
        # Rows of the head-major qkv weight for one of q/k/v; a constant after ONNX folding.
        weight = self.qkv.weight.reshape(h, 3, d, c)[:, i].reshape(c, c)
        bias = self.qkv.bias.reshape(h, 3, d)[:, i].reshape(c)
        if scale != 1.0:
            weight, bias = weight * scale, bias * scale
        return F.linear(x, weight, bias).reshape(-1, self.window ** 2, h, d).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = self.window ** 2, self.num_heads * self.head_dim
        x = self.norm(x)
        # Three projections instead of one qkv + split: saves a full copy of q/k/v in ONNX Runtime.
        # The softmax scale is folded into the q projection (no pass over the attention matrix).
        q, k, v = self._heads(x, 0, self.scale), self._heads(x, 1), self._heads(x, 2)
        bias = torch.index_select(self.attention_biases, 1, self.bias_idx).reshape(self.num_heads, n, n)
        attn = q @ k.transpose(-2, -1) + bias
        x = attn.softmax(dim=-1) @ v
        return self.proj(x.transpose(1, 2).reshape(-1, n, c))


class TinyViTMlp(nn.Module):
    """LayerNorm -> fc1 -> GELU -> fc2 (the norm lives inside, as in the checkpoint)."""

    def __init__(self, *, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(self.norm(x))))


class TinyViTBlock(nn.Module):
    """Window attention (zero pad bottom/right, pad tokens unmasked), depthwise local conv, MLP.

    Works on channels-last (B, H, W, C) at a fixed ``resolution`` (static shapes for export).
    """

    def __init__(self, *, dim: int, resolution: tuple[int, int], num_heads: int, window: int,
                 mlp_ratio: float) -> None:
        super().__init__()
        self.dim = dim
        self.resolution = resolution
        self.window = window
        self.attn = Attention(dim=dim, num_heads=num_heads, window=window)
        self.mlp = TinyViTMlp(dim=dim, hidden=int(dim * mlp_ratio))
        self.local_conv = Conv2d_BN(dim, dim, kernel_size=3, padding=1, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (hgt, wid), c, w = self.resolution, self.dim, self.window
        ph, pw = -hgt % w, -wid % w
        nh, nw = (hgt + ph) // w, (wid + pw) // w
        # Pad before the attention's LayerNorm, exactly like the reference.
        xp = F.pad(x, (0, 0, 0, pw, 0, ph))
        # Partition into row-major windows with 4-D reshapes/transposes only.
        xw = xp.reshape(-1, w, nw, w * c).transpose(1, 2).reshape(-1, w * w, c)
        # The residual is added in window layout (equal on real tokens; pad tokens are cropped).
        y = xw + self.attn(xw)
        # Window reverse keeps C innermost (block copies); NHWC<->NCHW moves a single axis.
        # Both are fast transposes in ONNX Runtime, unlike one fused 5-D permute.
        y = y.reshape(-1, nw, w, w * c).transpose(1, 2).reshape(-1, nh * w, nw * w, c)[:, :hgt, :wid]
        # contiguous() is free in ONNX; in eager it makes the conv run channels-last and return
        # a tensor whose NHWC view needs no copy.
        y = self.local_conv(y.contiguous().permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return y + self.mlp(y)


class BasicLayer(nn.Module):
    """A TinyViT transformer stage (+ optional PatchMerging); NCHW in and out."""

    def __init__(self, *, dim: int, resolution: tuple[int, int], depth: int, num_heads: int, window: int,
                 mlp_ratio: float, out_dim: int | None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            TinyViTBlock(dim=dim, resolution=resolution, num_heads=num_heads, window=window,
                         mlp_ratio=mlp_ratio)
            for _ in range(depth)
        )
        self.downsample = PatchMerging(dim=dim, out_dim=out_dim) if out_dim is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        for blk in self.blocks:
            x = blk(x)
        x = x.permute(0, 3, 1, 2)
        return self.downsample(x) if self.downsample is not None else x


class TinyViT(nn.Module):
    """MobileSAM's TinyViT-5M: (B, 3, 1024, 1024) normalised image -> (B, 256, 64, 64).

    ``norm_head``/``head`` are the unused ImageNet classifier kept so that the official
    checkpoint loads strictly.
    """

    def __init__(self, *, in_chans: int = 3, embed_dims: Sequence[int] = (64, 128, 160, 320),
                 depths: Sequence[int] = (2, 2, 6, 2), num_heads: Sequence[int] = (2, 4, 5, 10),
                 window_sizes: Sequence[int] = (7, 7, 14, 7), mlp_ratio: float = 4.0,
                 mbconv_expand_ratio: float = 4.0, num_classes: int = 1000, out_chans: int = 256) -> None:
        super().__init__()
        self.img_size = IMG_SIZE
        self.patch_embed = PatchEmbed(in_chans=in_chans, dim=embed_dims[0])
        layers: list[nn.Module] = [
            ConvLayer(dim=embed_dims[0], out_dim=embed_dims[1], depth=depths[0],
                      expand_ratio=mbconv_expand_ratio)
        ]
        side = IMG_SIZE // 4
        for i in range(1, len(embed_dims)):
            last = i == len(embed_dims) - 1
            # MobileSAM keeps the last stage at the previous resolution (stride-1 PatchMerging).
            res = side // 2 ** (i - 1 if last else i)
            layers.append(BasicLayer(dim=embed_dims[i], resolution=(res, res), depth=depths[i],
                                     num_heads=num_heads[i], window=window_sizes[i], mlp_ratio=mlp_ratio,
                                     out_dim=None if last else embed_dims[i + 1]))
        self.layers = nn.ModuleList(layers)
        self.norm_head = nn.LayerNorm(embed_dims[-1])
        self.head = nn.Linear(embed_dims[-1], num_classes)
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dims[-1], out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        return self.neck(x)
