"""The SAM image encoders a ``sam`` variant can have: the MobileSAM teacher and distilled students.

Every variant shares SAM's prompt encoder and mask decoder; only the image encoder differs, and all
of them map the normalised, padded 1024x1024 image to the 256x64x64 embedding the decoder takes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from torch import nn

# variant -> builder of its image encoder (imports kept inside the builders: only one is built)
IMAGE_ENCODERS: dict[str, Callable[[], nn.Module]] = {}
# variants trained here by `edgevfm distill sam`: no released weights
STUDENTS: tuple[str, ...] = ("resnet18", "repvit")


def _tiny_vit() -> nn.Module:
    from .tiny_vit import TinyViT

    return TinyViT()


def _resnet18() -> nn.Module:
    from .resnet_encoder import ResNet18Encoder

    return ResNet18Encoder()


def _repvit() -> nn.Module:
    from .repvit_encoder import RepViTEncoder

    return RepViTEncoder()


IMAGE_ENCODERS["vit_t"] = _tiny_vit
IMAGE_ENCODERS["resnet18"] = _resnet18
IMAGE_ENCODERS["repvit"] = _repvit


def build_image_encoder(variant: str) -> nn.Module:
    return IMAGE_ENCODERS[variant]()
