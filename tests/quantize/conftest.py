"""Small synthetic models (seconds to quantize) shared by the quantization tests."""
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim: int, scale: float):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1, self.fc2 = nn.Linear(dim, 2 * dim), nn.Linear(2 * dim, dim)
        with torch.no_grad():
            self.fc1.weight.mul_(scale)  # one block with large weights: the most sensitive one

    def forward(self, x):
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.norm(x))))


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.Sequential(Block(16, 1.0), Block(16, 8.0), Block(16, 1.0))

    def forward(self, images):
        x = self.stem(images).flatten(2).transpose(1, 2)
        return self.blocks(x)


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny") / "tiny.onnx"
    with torch.no_grad():
        torch.onnx.export(Tiny().eval(), (torch.randn(1, 3, 8, 8),), str(path), input_names=["images"],
                          output_names=["out"], opset_version=17, dynamo=False)
    return path


@pytest.fixture(scope="session")
def tiny_feeds() -> list[dict]:
    rng = np.random.default_rng(0)
    return [{"images": rng.standard_normal((1, 3, 8, 8)).astype(np.float32)} for _ in range(8)]
