"""A decoder-shaped stand-in for SAM's prompt decoder: an embedding plus point_coords (1, N, 2) and
point_labels (1, N) with N dynamic, as the TensorRT point profile sees them. Small enough to build in
seconds, so gpu_checks.sh exercises the dynamic point profile without a full SAM export."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from edgevfm.models.spec import Component, TensorSpec


class PointsDecoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Linear(2, 16)
        self.label = nn.Embedding(5, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, image_embeddings, point_coords, point_labels):
        tokens = self.embed(point_coords) + self.label((point_labels + 1).long())  # labels -1..3
        pooled = torch.softmax(tokens, dim=1).mul(tokens).sum(1) + image_embeddings.mean((2, 3))
        return self.head(pooled)


def points_decoder() -> Component:
    args = (torch.zeros(1, 16, 8, 8), torch.zeros(1, 2, 2), torch.zeros(1, 2))
    return Component("decoder", PointsDecoder().eval(), args,
                     [TensorSpec("image_embeddings", "float32", (1, 16, 8, 8)),
                      TensorSpec("point_coords", "float32", (1, "num_points", 2)),
                      TensorSpec("point_labels", "float32", (1, "num_points"))],
                     [TensorSpec("scores", "float32", (1, 4))],
                     dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}},
                     dim_ranges={"num_points": (1, 18)})  # as SAM's decoder: 16 user points + 2


def points_feed(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"image_embeddings": rng.standard_normal((1, 16, 8, 8)).astype(np.float32),
            "point_coords": rng.uniform(0, 1024, (1, n, 2)).astype(np.float32),
            "point_labels": np.append(rng.integers(0, 2, n - 1), -1)[None].astype(np.float32)}


def reference(comp: Component, feed: dict) -> np.ndarray:
    with torch.no_grad():
        return comp.module(*(torch.from_numpy(feed[n]) for n in comp.input_names)).numpy()
