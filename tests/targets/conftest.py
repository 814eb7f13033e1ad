"""Small synthetic components (conv, LayerNorm, attention-like MatMuls, GELU) for fast target tests."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from edgevfm.models.spec import Component, TensorSpec


class TinyViTish(nn.Module):
    """Patch conv → LayerNorm → MLP with GELU → softmax-attention over tokens: the ops ViTs need."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.patch = nn.Conv2d(3, 32, 4, stride=4)
        self.norm = nn.LayerNorm(32)
        self.qkv = nn.Linear(32, 96)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 32))

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        x = x + torch.softmax(q @ k.transpose(1, 2) / 32 ** 0.5, dim=-1) @ v
        x = x + self.mlp(self.norm(x))
        return x.mean(1), x


@pytest.fixture(scope="session")
def tiny_component() -> Component:
    return Component("encoder", TinyViTish().eval(), (torch.zeros(1, 3, 32, 32),),
                     [TensorSpec("pixel_values", "float32", (1, 3, 32, 32), "NCHW")],
                     [TensorSpec("pooled", "float32", (1, 32)), TensorSpec("tokens", "float32", (1, 64, 32))])


@pytest.fixture(scope="session")
def tiny_feeds() -> list[dict]:
    rng = np.random.default_rng(0)
    return [{"pixel_values": rng.standard_normal((1, 3, 32, 32)).astype(np.float32)} for _ in range(8)]
