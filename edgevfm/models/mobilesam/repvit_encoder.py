"""RepViT-style SAM image encoder for distillation students (the family EdgeSAM distils into).

RepViT (Wang et al., 2024) is a MobileNetV3-shaped CNN laid out like a ViT: every block is a
depthwise 3x3 *token mixer* with an identity shortcut, then a 1x1-conv *channel mixer* (an FFN with
GELU) with its own shortcut; stages are joined by a depthwise stride-2 conv and a 1x1 projection.
It is written here in its inference (fused) form: RepViT's train-time RepVGG branches (an extra
depthwise 1x1 conv and a BatchNorm on the identity) fuse into this single depthwise 3x3 after
training, so they are left out, as are the squeeze-excite layers (a global pool per block, slow on
CPUs, for little gain at this size). The exported graph therefore holds only Conv (BN folded), Add,
Gelu and one ConvTranspose.

Shapes for SAM's 1024x1024 input: a three-conv stem to stride 8 (128x128, 64 channels), then
stages at stride 8 (64 ch), 16 (128 ch, the 64x64 grid of SAM's embedding) and 32 (256 ch); a
small FPN-like neck upsamples the stride-32 stage onto the stride-16 one and maps it to the
256x64x64 embedding with depthwise-separable convs. The stride-8 stem is this design's speed
lever, as the stride-4 stem is the ResNet-18 student's: SAM's embedding is only 64x64, and full
1024-pixel stages cost most of a CPU encoder's time.
"""
from __future__ import annotations

import torch
from torch import nn

from .common import Conv2d_BN


def _ffn(ch: int, expand: int) -> nn.Sequential:
    """RepViT's channel mixer: 1x1 expand, GELU, 1x1 project."""
    return nn.Sequential(Conv2d_BN(ch, ch * expand, kernel_size=1), nn.GELU(),
                         Conv2d_BN(ch * expand, ch, kernel_size=1))


class RepViTBlock(nn.Module):
    def __init__(self, ch: int, *, expand: int = 2) -> None:
        super().__init__()
        self.mixer = Conv2d_BN(ch, ch, kernel_size=3, padding=1, groups=ch)
        self.ffn = _ffn(ch, expand)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.mixer(x)
        return x + self.ffn(x)


class RepViTDownsample(nn.Module):
    """Stride-2 depthwise 3x3, 1x1 projection to the next width, then a channel mixer."""

    def __init__(self, in_ch: int, out_ch: int, *, expand: int = 2) -> None:
        super().__init__()
        self.dw = Conv2d_BN(in_ch, in_ch, kernel_size=3, stride=2, padding=1, groups=in_ch)
        self.pw = Conv2d_BN(in_ch, out_ch, kernel_size=1)
        self.ffn = _ffn(out_ch, expand)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pw(self.dw(x))
        return x + self.ffn(x)


class RepViTEncoder(nn.Module):
    """(B, 3, H, W) normalised image -> (B, 256, H/16, W/16); H = W = 1024 gives SAM's 64x64.
    H and W must be multiples of 32 (the deepest stage is at stride 32)."""

    def __init__(self, *, widths: tuple[int, int, int] = (64, 128, 256), depths: tuple[int, int, int] = (2, 6, 2),
                 out_chans: int = 256) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            Conv2d_BN(3, widths[0] // 4, kernel_size=3, stride=2, padding=1), nn.GELU(),
            Conv2d_BN(widths[0] // 4, widths[0] // 2, kernel_size=3, stride=2, padding=1), nn.GELU(),
            Conv2d_BN(widths[0] // 2, widths[0], kernel_size=3, stride=2, padding=1),
        )
        self.stage1 = nn.Sequential(*(RepViTBlock(widths[0]) for _ in range(depths[0])))
        self.stage2 = nn.Sequential(RepViTDownsample(widths[0], widths[1]),
                                    *(RepViTBlock(widths[1]) for _ in range(depths[1] - 1)))
        self.stage3 = nn.Sequential(RepViTDownsample(widths[1], widths[2]),
                                    *(RepViTBlock(widths[2]) for _ in range(depths[2] - 1)))
        self.up = nn.ConvTranspose2d(widths[2], out_chans, kernel_size=2, stride=2)
        self.skip = nn.Conv2d(widths[1], out_chans, kernel_size=1)
        self.head = nn.Sequential(
            Conv2d_BN(out_chans, out_chans, kernel_size=3, padding=1, groups=out_chans),
            Conv2d_BN(out_chans, out_chans, kernel_size=1), nn.GELU(),
            nn.Conv2d(out_chans, out_chans, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s16 = self.stage2(self.stage1(self.stem(x)))
        x = self.up(self.stage3(s16)) + self.skip(s16)
        return self.head(x)
