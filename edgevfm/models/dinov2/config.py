"""DINOv2 ViT-S/14 configurations and weight sources (data only)."""
from __future__ import annotations

import dataclasses
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
    # Whose pos-embed resampling interpolate_* follow (a POS_EMBED_RESAMPLE key); see with_pos_embed_resample.
    pos_embed_resample: str = "official"
    layerscale: bool = True
    eps: float = 1e-6
    # > 0: a linear head after the final norm maps every token to this width (a distilled student speaks
    # its teacher's feature space, so it drops in where the teacher's features were used)
    out_dim: int = 0

    @property
    def feature_dim(self) -> int:
        return self.out_dim or self.embed_dim

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
    # distillation student (`edgevfm distill dinov2`): ViT-Ti/14, 192 wide (3 heads of 64), 12 blocks,
    # ~1/4 of ViT-S's FLOPs; its head maps to ViT-S's 384-d features
    "vitt14-distill": DinoV2Config(embed_dim=192, num_heads=3, out_dim=384),
}

# variants whose weights come only from `edgevfm distill` (no released checkpoint)
STUDENTS = ("vitt14-distill",)

# How each library resamples the pos-embed grid for another input size, as (interpolate_offset,
# interpolate_antialias) for a model without / with register tokens. All use bicubic, align_corners=False;
# a non-zero offset means the official scale_factor=(g + offset) / m call, zero means size=(gh, gw).
POS_EMBED_RESAMPLE: dict[str, tuple[tuple[float, bool], tuple[float, bool]]] = {
    # facebookresearch/dinov2 hubconf: vits14 keeps the 0.1 offset; the reg models pass offset 0 + antialias.
    "official": ((0.1, False), (0.0, True)),
    # transformers Dinov2Embeddings (no antialias) / Dinov2WithRegistersEmbeddings (antialias).
    "transformers": ((0.0, False), (0.0, True)),
    # timm resample_abs_pos_embed (checkpoint filter and dynamic_img_size alike): bicubic + antialias.
    "timm": ((0.0, True), (0.0, True)),
}


def with_pos_embed_resample(config: DinoV2Config, method: str) -> DinoV2Config:
    """``config`` resampling its pos-embed the way ``method`` (official | transformers | timm) does."""
    if method not in POS_EMBED_RESAMPLE:
        from ...recipes import RecipeError

        raise RecipeError(f"unknown pos_embed_resample {method!r}: use one of {', '.join(POS_EMBED_RESAMPLE)}")
    offset, antialias = POS_EMBED_RESAMPLE[method][bool(config.num_register_tokens)]
    return dataclasses.replace(config, pos_embed_resample=method, interpolate_offset=offset,
                               interpolate_antialias=antialias)


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
