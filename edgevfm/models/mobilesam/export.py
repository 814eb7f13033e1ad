"""Export wrappers for MobileSAM (kept apart from the model code); ``targets.onnx.export_module`` exports them.

* ``SamEncoderExport``: normalised, padded (1,3,1024,1024) image -> (1,256,64,64) embeddings.
* ``SamOnnxDecoder``: the official SAM ONNX decoder interface (``utils/onnx.py::SamOnnxModel``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .model import MobileSAM
from .tiny_vit import IMG_SIZE

ENCODER_IO = {
    "input_names": ["images"],
    "output_names": ["image_embeddings"],
    "dynamic_axes": {},
}

DECODER_IO = {
    "input_names": ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input",
                    "orig_im_size"],
    "output_names": ["masks", "iou_predictions", "low_res_masks"],
    "dynamic_axes": {
        "point_coords": {0: "prompts", 1: "num_points"},
        "point_labels": {0: "prompts", 1: "num_points"},
        "mask_input": {0: "prompts"},
        "has_mask_input": {0: "prompts"},
        "masks": {0: "prompts", 2: "height", 3: "width"},  # height/width data-dependent: from orig_im_size
        "iou_predictions": {0: "prompts"},
        "low_res_masks": {0: "prompts"},
    },
}


class SamEncoderExport(nn.Module):
    """Image encoder only; pixel normalisation and padding happen on the host."""

    def __init__(self, model: MobileSAM) -> None:
        super().__init__()
        self.image_encoder = model.image_encoder

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(images)


class SamOnnxDecoder(nn.Module):
    """Prompt encoding + mask decoding + mask post-processing with the official ONNX I/O.

    The caller appends the (0, 0)/-1 padding point when there is no box; box corners are points
    with labels 2 and 3. Outputs: masks (B,K,H,W) logits, iou_predictions (B,K),
    low_res_masks (B,K,256,256); K = 4 (all tokens) or 1 with ``return_single_mask``.

    B is the prompt batch (dim 0 of point_coords, point_labels, mask_input, has_mask_input): B prompt
    sets decoded against one shared (1,256,64,64) embedding, broadcast inside the graph. B = 1 is the
    official single-prompt contract the labeling tools feed.

    ``fast``: ``MaskDecoder.predict_masks(fast=True)``, the same maths in the order engines run fastest (what
    exported decoders run); the PyTorch reference (golden outputs, parity) keeps the plain order.
    """

    def __init__(self, model: MobileSAM, *, return_single_mask: bool = False, fast: bool = False) -> None:
        super().__init__()
        self.prompt_encoder = model.prompt_encoder
        self.mask_decoder = model.mask_decoder
        self.return_single_mask = return_single_mask
        self.fast = fast

    def _select_single(self, masks: torch.Tensor, iou: torch.Tensor,
                       num_points: int) -> tuple[torch.Tensor, torch.Tensor]:
        # Official rule without control flow: token 0 wins iff num_points > 2.5.
        reweight = iou.new_tensor([[1000.0] + [0.0] * (iou.shape[1] - 1)])
        best = torch.argmax(iou + (num_points - 2.5) * reweight, dim=1, keepdim=True)
        iou = iou.gather(1, best)
        masks = masks.gather(1, best[:, :, None, None].expand(-1, 1, masks.shape[2], masks.shape[3]))
        return masks, iou

    @staticmethod
    def _postprocess(masks: torch.Tensor, orig_im_size: torch.Tensor) -> torch.Tensor:
        masks = F.interpolate(masks, size=(IMG_SIZE, IMG_SIZE), mode="bilinear", align_corners=False)
        size = orig_im_size.to(torch.float32)
        prepadded = torch.floor(size * (IMG_SIZE / torch.max(size)) + 0.5).to(torch.int64)
        masks = masks[..., : prepadded[0], : prepadded[1]]
        hw = orig_im_size.to(torch.int64)
        return F.interpolate(masks, size=(hw[0], hw[1]), mode="bilinear", align_corners=False)

    @torch.no_grad()
    def forward(self, image_embeddings: torch.Tensor, point_coords: torch.Tensor, point_labels: torch.Tensor,
                mask_input: torch.Tensor, has_mask_input: torch.Tensor,
                orig_im_size: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        masks, iou = self.decode_lowres(image_embeddings, point_coords, point_labels, mask_input, has_mask_input)
        return self._postprocess(masks, orig_im_size), iou, masks

    def decode_lowres(self, image_embeddings: torch.Tensor, point_coords: torch.Tensor, point_labels: torch.Tensor,
                      mask_input: torch.Tensor, has_mask_input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompt encoding + mask decoding (+ single-mask choice): low-res masks and iou, no upscaling."""
        pe = self.prompt_encoder
        sparse = pe.embed_points(point_coords, point_labels)
        # Both branches always run; has_mask_input (0/1 per prompt) blends them, as in the reference.
        has = has_mask_input.reshape(-1, 1, 1, 1)
        dense = has * pe.embed_mask(mask_input) + (1 - has) * pe.no_mask_dense(1)
        masks, iou = self.mask_decoder.predict_masks(image_embeddings, pe.get_dense_pe(), sparse, dense,
                                                     fast=self.fast)
        if self.return_single_mask:
            masks, iou = self._select_single(masks, iou, point_coords.shape[1])
        return masks, iou


def example_decoder_inputs(num_points: int = 2) -> tuple[torch.Tensor, ...]:
    """Deterministic example inputs for tracing ``SamOnnxDecoder``."""
    g = torch.Generator().manual_seed(0)
    labels = torch.ones(1, num_points)
    labels[0, -1] = -1.0
    return (
        torch.randn(1, 256, 64, 64, generator=g),
        torch.randint(0, IMG_SIZE, (1, num_points, 2), generator=g).to(torch.float32),
        labels,
        torch.zeros(1, 1, 256, 256),
        torch.zeros(1),
        torch.tensor([1500.0, 2250.0]),
    )
