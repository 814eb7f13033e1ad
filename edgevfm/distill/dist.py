"""Process group setup for ``torchrun`` (gloo on CPU, NCCL on GPU) and a BatchNorm over the global batch.

``GlobalBatchNorm2d`` normalises with statistics of the whole global batch (summed across ranks with
an autograd-aware all-reduce), on CPU as on GPU, so N processes with batch B/N train exactly the
model one process with batch B trains. It keeps BatchNorm2d's parameters and buffers, so the state
dict and the export are unchanged.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Dist:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()


def setup(device: str = "auto") -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    dev = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    return Dist(rank, world, local, dev)


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


class GlobalBatchNorm2d(nn.BatchNorm2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        c = x.shape[1]
        # float64 sums: E[x^2] - E[x]^2 without cancellation, and rank-count-independent rounding
        f64 = torch.float64
        stats = torch.cat([x.sum((0, 2, 3), dtype=f64), (x * x).sum((0, 2, 3), dtype=f64),
                           torch.tensor([x.numel() / c], dtype=f64, device=x.device)])
        if dist.is_initialized() and dist.get_world_size() > 1:
            from torch.distributed.nn.functional import all_reduce

            stats = all_reduce(stats)
        n = stats[-1]
        mean = stats[:c] / n
        var = (stats[c:2 * c] / n - mean * mean).clamp_min(0)
        with torch.no_grad():
            self.num_batches_tracked += 1
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean.to(self.running_mean.dtype))
            self.running_var.mul_(1 - m).add_(m * (var * n / (n - 1).clamp_min(1)).to(self.running_var.dtype))
        scale = (self.weight.double() * torch.rsqrt(var + self.eps))
        shift = self.bias.double() - mean * scale
        return x * scale.to(x.dtype)[None, :, None, None] + shift.to(x.dtype)[None, :, None, None]


def global_batchnorm_(module: nn.Module) -> nn.Module:
    """Swap every BatchNorm2d for GlobalBatchNorm2d in place (same parameters and buffers)."""
    for bn in [m for m in module.modules() if type(m) is nn.BatchNorm2d]:
        bn.__class__ = GlobalBatchNorm2d
    return module
