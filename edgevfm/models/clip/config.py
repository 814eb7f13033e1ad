"""CLIP hyper-parameters, the registered variants and where their weights come from (data only)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal, Mapping

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

from ...weights import WeightSource

Activation = Literal["quick_gelu", "gelu"]

SOT_TOKEN = 49406
EOT_TOKEN = 49407


@dataclass(frozen=True, kw_only=True)
class ClipVisionConfig:
    """ViT image tower: patchify conv, class token, pre-LN blocks, ln_post and projection."""

    image_size: int = 224
    patch_size: int = 32
    width: int = 768
    layers: int = 12
    heads: int = 12

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size


@dataclass(frozen=True, kw_only=True)
class ClipTextConfig:
    """Causal text transformer pooled at the end-of-text token."""

    context_length: int = 77
    vocab_size: int = 49408
    width: int = 512
    heads: int = 8
    layers: int = 12


@dataclass(frozen=True, kw_only=True)
class ClipConfig:
    """A whole CLIP model; ``activation`` is the one thing the state dict cannot tell."""

    embed_dim: int = 512
    vision: ClipVisionConfig = field(default_factory=ClipVisionConfig)
    text: ClipTextConfig = field(default_factory=ClipTextConfig)
    activation: Activation = "quick_gelu"

    def __post_init__(self) -> None:
        if self.activation not in ("quick_gelu", "gelu"):
            raise ValueError(f"activation must be 'quick_gelu' or 'gelu', got {self.activation!r}")
        if self.vision.image_size % self.vision.patch_size:
            raise ValueError(
                f"image_size {self.vision.image_size} is not a multiple of patch_size {self.vision.patch_size}"
            )
        for name, tower in (("vision", self.vision), ("text", self.text)):
            if tower.width % tower.heads:
                raise ValueError(f"{name} width {tower.width} is not divisible by heads {tower.heads}")


@dataclass(frozen=True, kw_only=True)
class ClipVariant:
    """A registered CLIP: config, where the released weights live and their layout (see checkpoint.py)."""

    name: str
    config: ClipConfig
    weights: WeightSource
    layout: str
    license: str
    description: str


_OPENAI_B32_SHA256 = "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af"
_B32 = dict(
    embed_dim=512,
    vision=ClipVisionConfig(image_size=224, patch_size=32, width=768, layers=12, heads=12),
    text=ClipTextConfig(width=512, heads=8, layers=12),
)

VARIANTS: dict[str, ClipVariant] = {
    v.name: v
    for v in (
        ClipVariant(
            name="vit-b-32",
            config=ClipConfig(**_B32, activation="quick_gelu"),
            # OpenAI puts the file's sha256 in the path; clip.load verifies it the same way.
            weights=WeightSource(
                filename="ViT-B-32.pt",
                urls=(f"https://openaipublic.azureedge.net/clip/models/{_OPENAI_B32_SHA256}/ViT-B-32.pt",),
                sha256=_OPENAI_B32_SHA256,
            ),
            layout="openai-torchscript",
            license="MIT",
            description="OpenAI CLIP ViT-B/32 (QuickGELU); the quality reference",
        ),
        ClipVariant(
            name="vit-b-32-laion2b",
            config=ClipConfig(**_B32, activation="gelu"),
            weights=WeightSource(
                filename="CLIP-ViT-B-32-laion2B-s34B-b79K.bin",
                hf_repo="laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
                hf_filename="open_clip_pytorch_model.bin",
            ),
            layout="openai",  # open_clip saves a flat state dict in OpenAI names
            license="MIT",
            description="open_clip ViT-B-32 trained on LAION-2B (s34B b79K), exact GELU",
        ),
        ClipVariant(
            name="tinyclip-8m16",
            config=ClipConfig(
                embed_dim=512,
                vision=ClipVisionConfig(image_size=224, patch_size=16, width=256, layers=10, heads=4),
                text=ClipTextConfig(width=256, heads=4, layers=3),
                activation="gelu",
            ),
            weights=WeightSource(
                filename="TinyCLIP-ViT-8M-16-Text-3M-YFCC15M.bin",
                hf_repo="wkcn/TinyCLIP-ViT-8M-16-Text-3M-YFCC15M",
                hf_filename="pytorch_model.bin",
            ),
            layout="hf",
            license="MIT",
            description="TinyCLIP ViT-8M/16 Text-3M (YFCC15M); the tiny default",
        ),
        ClipVariant(
            name="tinyclip-40m32",
            config=ClipConfig(
                embed_dim=512,
                vision=ClipVisionConfig(image_size=224, patch_size=32, width=512, layers=12, heads=8),
                text=ClipTextConfig(width=512, heads=8, layers=6),
                activation="gelu",
            ),
            weights=WeightSource(
                filename="TinyCLIP-ViT-40M-32-Text-19M-LAION400M.bin",
                hf_repo="wkcn/TinyCLIP-ViT-40M-32-Text-19M-LAION400M",
                hf_filename="pytorch_model.bin",
            ),
            layout="hf",
            license="MIT",
            description="TinyCLIP ViT-40M/32 Text-19M (LAION-400M); the mid option",
        ),
        ClipVariant(
            name="vit-b-32-distill",
            config=ClipConfig(embed_dim=512, vision=ClipVisionConfig(image_size=224, patch_size=32, width=384,
                                                                     layers=6, heads=6),
                              text=ClipTextConfig(width=512, heads=8, layers=12), activation="quick_gelu"),
            weights=WeightSource(filename="clip_vit-b-32-distill.pt", unavailable=(
                "clip/vit-b-32-distill is a distillation student with no released weights: train one with "
                "`edgevfm distill clip --student vit-b-32-distill --data DIR -o RUN_DIR` and pass --weights "
                "RUN_DIR/student.pt")),
            layout="openai",
            license="MIT",
            description="distillation student: half-width, half-depth image tower; the teacher's text tower",
        ),
    )
}
# students: image tower = the teacher's at this fraction of width and depth (its text tower is the teacher's)
STUDENTS = {"vit-b-32-distill": 0.5}
DEFAULT_VARIANT = "vit-b-32"


def _count_blocks(state_dict: Mapping[str, torch.Tensor], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    found = {int(m.group(1)) for k in state_dict if (m := pattern.match(k))}
    return max(found) + 1 if found else 0


def infer_config(state_dict: Mapping[str, torch.Tensor], *, activation: Activation = "quick_gelu") -> ClipConfig:
    """Read a config off an OpenAI-layout state dict's shapes (heads = width / 64, as OpenAI does).

    The activation is not visible in the weights, so it must be given.
    """
    try:
        conv = state_dict["visual.conv1.weight"]
        vis_pos = state_dict["visual.positional_embedding"]
        text_pos = state_dict["positional_embedding"]
        vocab = state_dict["token_embedding.weight"]
        text_width = state_dict["ln_final.weight"].shape[0]
        embed_dim = state_dict["text_projection"].shape[1]
    except KeyError as e:
        missing = e.args[0]
        raise KeyError(f"cannot infer a CLIP config: state dict lacks {missing!r} (is it in OpenAI layout?)") from None
    width, patch = conv.shape[0], conv.shape[-1]
    grid = math.isqrt(vis_pos.shape[0] - 1)
    if grid * grid + 1 != vis_pos.shape[0]:
        raise ValueError(f"visual.positional_embedding has {vis_pos.shape[0]} rows, not a square grid + 1")
    return ClipConfig(
        embed_dim=embed_dim,
        vision=ClipVisionConfig(
            image_size=grid * patch,
            patch_size=patch,
            width=width,
            layers=_count_blocks(state_dict, "visual.transformer.resblocks."),
            heads=width // 64,
        ),
        text=ClipTextConfig(
            context_length=text_pos.shape[0],
            vocab_size=vocab.shape[0],
            width=text_width,
            heads=text_width // 64,
            layers=_count_blocks(state_dict, "transformer.resblocks."),
        ),
        activation=activation,
    )
