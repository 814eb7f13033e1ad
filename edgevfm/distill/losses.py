"""Distillation losses (registry: name -> fn(student, target) -> scalar)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = {
    # nanosam's choice for SAM embeddings: robust to the few large-magnitude channels
    "huber": lambda s, t: F.huber_loss(s, t, delta=1.0),
    # EdgeSAM's phase-1 choice
    "mse": F.mse_loss,
}


def match_resolution(target: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The teacher's 64x64 embedding average-pooled to a student trained at a lower input size."""
    return target if tuple(target.shape[-2:]) == tuple(size) else F.adaptive_avg_pool2d(target, size)


def cosine(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Mean (1 - cosine similarity) over the last dimension (token features)."""
    return 1 - F.cosine_similarity(s, t, dim=-1).mean()


LOSSES["cosine"] = cosine
