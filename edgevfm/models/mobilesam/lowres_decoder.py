"""The SAM decoder without its data-dependent post-processing, for engines that need static output
shapes (TensorRT, LiteRT, Core ML): ``low_res_masks`` + ``iou_predictions`` only; the runtime
upscales to the original image size on the host (``edgevfm_runtime.sam.upscale``)."""
from __future__ import annotations

import torch
from torch import nn

from ..spec import Component, TensorSpec
from .export import SamOnnxDecoder

class SamLowResDecoder(nn.Module):
    """``SamOnnxDecoder`` minus ``orig_im_size`` and ``masks``: same tokens, same numerics."""

    def __init__(self, decoder: SamOnnxDecoder) -> None:
        super().__init__()
        self.decoder = decoder

    @torch.no_grad()
    def forward(self, image_embeddings: torch.Tensor, point_coords: torch.Tensor, point_labels: torch.Tensor,
                mask_input: torch.Tensor, has_mask_input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        masks, iou = self.decoder.decode_lowres(image_embeddings, point_coords, point_labels, mask_input,
                                                has_mask_input)
        return iou, masks


def lowres_component(comp: Component) -> Component:
    """The static-shape twin of the official decoder component (same names, no ``orig_im_size``/``masks``)."""
    k = comp.outputs[[t.name for t in comp.outputs].index("low_res_masks")].shape[1]
    inputs = [t for t in comp.inputs if t.name != "orig_im_size"]
    outputs = [TensorSpec("iou_predictions", "float32", ("prompts", k)),
               TensorSpec("low_res_masks", "float32", ("prompts", k, 256, 256), "NCHW")]
    names = {t.name for t in inputs} | {t.name for t in outputs}
    axes = {n: a for n, a in comp.dynamic_axes.items() if n in names}
    return Component(comp.name, SamLowResDecoder(comp.module).eval(), comp.example_args[:5], inputs, outputs,
                     dynamic_axes=axes)
