"""Export wrappers for the two CLIP towers (one ONNX graph each; ``targets.onnx`` exports them)."""
from __future__ import annotations

import torch
from torch import nn

from .config import EOT_TOKEN, SOT_TOKEN
from .model import CLIP

IMAGE_IO = {
    "input_names": ["pixel_values"],
    "output_names": ["image_embeds"],
    "dynamic_axes": {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
}
TEXT_IO = {
    "input_names": ["input_ids"],
    "output_names": ["text_embeds"],
    "dynamic_axes": {"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}},
}


class ClipImageExport(nn.Module):
    """``pixel_values`` (B, 3, R, R) float32, CLIP-normalised → ``image_embeds`` (B, E), unnormalised."""

    io = IMAGE_IO

    def __init__(self, model: CLIP) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(pixel_values)

    def example_inputs(self, *, batch: int = 1) -> tuple[torch.Tensor]:
        r = self.model.config.vision.image_size
        return (torch.zeros(batch, 3, r, r),)


class ClipTextExport(nn.Module):
    """``input_ids`` (B, 77) **int32** → ``text_embeds`` (B, E), unnormalised.

    int32 ids are what the runtime tokenizer emits and what int64-less engines can take.
    """

    io = TEXT_IO

    def __init__(self, model: CLIP) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model.encode_text(input_ids)

    def example_inputs(self, *, batch: int = 1) -> tuple[torch.Tensor]:
        ids = torch.zeros(batch, self.model.config.text.context_length, dtype=torch.int32)
        ids[:, 0], ids[:, 1] = SOT_TOKEN, EOT_TOKEN
        return (ids,)
