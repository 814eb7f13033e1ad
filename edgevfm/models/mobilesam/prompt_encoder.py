"""SAM prompt encoder: points, boxes and low-res masks -> sparse and dense embeddings."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .common import LayerNorm2d


class PositionEmbeddingRandom(nn.Module):
    """Random Fourier features of (x, y) in [0, 1]: [sin(2*pi*(2c-1)G), cos(...)]."""

    def __init__(self, *, num_pos_feats: int = 128, scale: float = 1.0) -> None:
        super().__init__()
        # Persistent: the checkpoint's random matrix must be used.
        self.register_buffer("positional_encoding_gaussian_matrix", scale * torch.randn(2, num_pos_feats))

    def encode(self, coords: torch.Tensor) -> torch.Tensor:
        """(..., 2) normalised coords -> (..., 2 * num_pos_feats)."""
        z = (2 * coords - 1) @ self.positional_encoding_gaussian_matrix
        z = 2 * math.pi * z
        return torch.cat([torch.sin(z), torch.cos(z)], dim=-1)


class PromptEncoder(nn.Module):
    """Official ``PromptEncoder`` numerics and keys, with arithmetic label masks (export-safe).

    Coordinates are (x, y) pixels in the 1024x1024 model frame.
    """

    def __init__(self, *, embed_dim: int = 256, image_embedding_size: tuple[int, int] = (64, 64),
                 input_image_size: tuple[int, int] = (1024, 1024), mask_in_chans: int = 16) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.image_embedding_size = image_embedding_size
        self.input_image_size = input_image_size
        self.pe_layer = PositionEmbeddingRandom(num_pos_feats=embed_dim // 2)
        self.num_point_embeddings = 4  # negative, positive, box top-left, box bottom-right
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, embed_dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans // 4),
            nn.GELU(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans),
            nn.GELU(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)
        h, w = image_embedding_size
        ys = (torch.arange(h, dtype=torch.float32) + 0.5) / h
        xs = (torch.arange(w, dtype=torch.float32) + 0.5) / w
        grid = torch.stack([xs.expand(h, w), ys[:, None].expand(h, w)], dim=-1)
        self.register_buffer("dense_grid", grid, persistent=False)
        in_h, in_w = input_image_size
        self.register_buffer("input_size_xy", torch.tensor([float(in_w), float(in_h)]), persistent=False)

    def get_dense_pe(self) -> torch.Tensor:
        """(1, C, 64, 64) positional encoding of the embedding grid (input-free; ORT folds it at load)."""
        return self.pe_layer.encode(self.dense_grid).permute(2, 0, 1).unsqueeze(0)

    def embed_points(self, coords: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(B, N, 2) coords and (B, N) labels in {-1, 0, 1, 2, 3} -> (B, N, C).

        No padding point is added here; label -1 rows become ``not_a_point_embed``.
        """
        emb = self.pe_layer.encode((coords + 0.5) / self.input_size_xy)
        labels = labels.unsqueeze(-1).to(emb.dtype)
        emb = emb * (labels != -1) + self.not_a_point_embed.weight * (labels == -1)
        for i, pe in enumerate(self.point_embeddings):
            emb = emb + pe.weight * (labels == i)
        return emb

    def embed_mask(self, masks: torch.Tensor) -> torch.Tensor:
        """(B, 1, 256, 256) low-res mask logits -> (B, C, 64, 64)."""
        return self.mask_downscaling(masks)

    def no_mask_dense(self, batch: int) -> torch.Tensor:
        h, w = self.image_embedding_size
        return self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(batch, -1, h, w)

    def forward(self, *, points: tuple[torch.Tensor, torch.Tensor] | None = None,
                boxes: torch.Tensor | None = None,
                masks: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Official semantics: a (0, 0)/-1 padding point is appended to points when no box is given."""
        if points is not None:
            batch = points[0].shape[0]
        elif boxes is not None:
            batch = boxes.shape[0]
        elif masks is not None:
            batch = masks.shape[0]
        else:
            batch = 1
        ref = self.no_mask_embed.weight
        sparse = [ref.new_zeros(batch, 0, self.embed_dim)]
        if points is not None:
            coords, labels = points
            labels = labels.to(coords.dtype)
            if boxes is None:
                coords = F.pad(coords, (0, 0, 0, 1))
                labels = F.pad(labels, (0, 1), value=-1.0)
            sparse.append(self.embed_points(coords, labels))
        if boxes is not None:
            corners = boxes.reshape(-1, 2, 2)
            corner_labels = torch.tensor([2.0, 3.0], dtype=corners.dtype, device=corners.device)
            sparse.append(self.embed_points(corners, corner_labels.expand(corners.shape[0], 2)))
        dense = self.embed_mask(masks) if masks is not None else self.no_mask_dense(batch)
        return torch.cat(sparse, dim=1), dense
