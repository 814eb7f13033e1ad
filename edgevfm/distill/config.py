"""`edgevfm distill` settings (torch-free: the CLI parser reads its defaults without importing torch)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DistillConfig:
    family: str
    student: str
    data: str
    output: str
    teacher_weights: str = "official"
    holdout: str | None = None
    steps: int = 1000
    batch_size: int = 8
    lr: float = 3e-4
    weight_decay: float = 0.0
    loss: str | None = None  # None: the task's default (sam: huber, dinov2: cosine)
    image_size: int | None = None  # None: the task's default (sam: 1024, dinov2: 224)
    views: int = 4
    jitter: float = 0.2
    seed: int = 0
    ckpt_every: int = 100
    eval_every: int = 0
    log_every: int = 10
    resume: bool = False
    bf16: str = "auto"  # auto | on | off
    device: str = "auto"
    cache: str | None = None
    workers: int = 0
    threads: int = 0  # torch intra-op threads per process (0: torch's default)
    captions: str | None = None  # clip: caption file for affinity mimicking and zero-shot eval
    phase: int = 1  # sam: 1 embedding distillation, 2 prompt-in-the-loop mask distillation (EdgeSAM)
    init: str | None = None  # phase 2: the phase-1 student.pt to start from
