"""DINOv2 ViT-S/14 configurations and weight sources (data only)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DinoV2Config:
    """Hyper-parameters of a DINOv2 ViT as built by the official hub (``vit_small``)."""

    embed_dim: int = 384
    depth: int = 12
    num_heads: int = 6
    mlp_ratio: int = 4
    patch_size: int = 14
    img_size: int = 518
    num_register_tokens: int = 0
    interpolate_antialias: bool = False
    interpolate_offset: float = 0.1
    layerscale: bool = True
    eps: float = 1e-6

    @property
    def grid_size(self) -> int:
        """Side of the patch grid the positional embedding was trained for (37 at 518/14)."""
        return self.img_size // self.patch_size

    @property
    def head_dim(self) -> int:
        return self.embed_dim // self.num_heads

    @property
    def mlp_hidden_dim(self) -> int:
        return self.embed_dim * self.mlp_ratio


VARIANTS: dict[str, DinoV2Config] = {
    "vits14": DinoV2Config(),
    "vits14-reg": DinoV2Config(num_register_tokens=4, interpolate_antialias=True, interpolate_offset=0.0),
}

_FAIR = "https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14"

# Official released checkpoints (flat state dicts) and the Hugging Face mirrors of the same weights.
WEIGHTS: dict[str, dict[str, str]] = {
    "vits14": {
        "url": f"{_FAIR}/dinov2_vits14_pretrain.pth",
        "hf_repo": "facebook/dinov2-small",
    },
    "vits14-reg": {
        "url": f"{_FAIR}/dinov2_vits14_reg4_pretrain.pth",
        "hf_repo": "facebook/dinov2-with-registers-small",
    },
}
