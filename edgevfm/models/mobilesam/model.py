"""MobileSAM: TinyViT-5M image encoder + SAM prompt encoder and mask decoder."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder
from .tiny_vit import IMG_SIZE, TinyViT

# ImageNet mean/std in 0..255 units; applied on the host before the encoder (not in the state dict).
PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)


def resize_longest_side_shape(h: int, w: int, *, long_side: int = IMG_SIZE) -> tuple[int, int]:
    """Official ``ResizeLongestSide.get_preprocess_shape``: (newh, neww) rounded half up."""
    scale = long_side / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


class MobileSAM(nn.Module):
    """Official ``Sam`` (vit_t) structure and key names; inputs are already normalised and padded."""

    mask_threshold: float = 0.0

    def __init__(self, *, image_encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.image_encoder = image_encoder if image_encoder is not None else TinyViT()
        self.prompt_encoder = PromptEncoder(embed_dim=256, image_embedding_size=(64, 64),
                                            input_image_size=(IMG_SIZE, IMG_SIZE), mask_in_chans=16)
        self.mask_decoder = MaskDecoder(transformer_dim=256, num_multimask_outputs=3,
                                        iou_head_depth=3, iou_head_hidden_dim=256)

    @torch.no_grad()
    def predict_torch(self, image_embeddings: torch.Tensor, point_coords: torch.Tensor | None = None,
                      point_labels: torch.Tensor | None = None, boxes: torch.Tensor | None = None,
                      mask_input: torch.Tensor | None = None,
                      multimask_output: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """``SamPredictor.predict_torch`` semantics (coords in the 1024 frame; a padding point is
        added internally when there is no box) -> (low_res_masks (B,C,256,256), iou (B,C))."""
        points = (point_coords, point_labels) if point_coords is not None else None
        sparse, dense = self.prompt_encoder(points=points, boxes=boxes, masks=mask_input)
        return self.mask_decoder(
            image_embeddings=image_embeddings,
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
        )

    def postprocess_masks(self, low_res_masks: torch.Tensor, input_size: tuple[int, int],
                          original_size: tuple[int, int]) -> torch.Tensor:
        """Low-res logits -> logits at ``original_size`` (upscale to 1024, crop, resize)."""
        masks = F.interpolate(low_res_masks, (IMG_SIZE, IMG_SIZE), mode="bilinear", align_corners=False)
        masks = masks[..., : input_size[0], : input_size[1]]
        return F.interpolate(masks, tuple(original_size), mode="bilinear", align_corners=False)


def build_mobilesam(variant: str = "vit_t") -> MobileSAM:
    """MobileSAM in eval mode, fp32, randomly initialised; load weights strictly afterwards.
    ``variant`` picks the image encoder (``vit_t``: TinyViT, the teacher; see ``encoders``)."""
    from .encoders import build_image_encoder

    return MobileSAM(image_encoder=build_image_encoder(variant)).float().eval()
