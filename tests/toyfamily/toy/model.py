"""The toy network: a patchify encoder (a 32x32 photo -> an 8-d embedding and a 4x4 feature map) and a
linear head that classifies the embedding into 4 labels: two components, the head chained to the encoder."""
from __future__ import annotations

import torch
from torch import nn

SIZE = 32
DIM = 8
LABELS = 4


class ToyEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.patchify = nn.Conv2d(3, DIM, kernel_size=8, stride=8)
        self.norm = nn.LayerNorm(DIM)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fmap = torch.relu(self.patchify(pixels))  # (1, DIM, 4, 4)
        return self.norm(fmap.mean(dim=(2, 3))), fmap


class ToyHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(DIM, LABELS)

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.fc(embedding)


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.head = ToyEncoder(), ToyHead()
