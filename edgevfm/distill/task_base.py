"""What every distillation task shares: the student name check, the frozen teacher, the seeded
student, running the student on one image in eval mode, and the exportable checkpoint.

A task subclasses ``DistillTask`` and sets ``family``, ``teacher_variant`` and ``input_fn`` (image
view -> the student's input array, a module-level function so data-loader workers can pickle it).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from ..registry import did_you_mean
from . import DistillError


@dataclass(frozen=True)
class Phase:
    """One training phase of a task: its losses (the first is the default) and whether it starts from
    a student trained in an earlier phase (``--init``)."""
    losses: tuple[str, ...]
    needs_init: bool = False


class DistillTask:
    family: str
    teacher_variant: str
    note = ""
    losses: tuple[str, ...]
    phases: dict[int, Phase] | None = None  # None: one phase with ``losses``
    provenance: dict = {}  # extra config.json entries (e.g. the --init file's hash)

    @classmethod
    def phase_spec(cls, phase: int) -> Phase:
        table = cls.phases or {1: Phase(cls.losses)}
        if phase not in table:
            raise DistillError(f"--phase {phase}: {cls.family} has phase(s) {', '.join(map(str, table))}")
        return table[phase]

    def train_loss(self, out, target, name: str, *, ds, items) -> torch.Tensor:
        """The training loss of a batch; ``ds`` and ``items`` (the dataset and the batch's item indices)
        are there for tasks whose loss needs more than the cached target (SAM phase 2)."""
        return self.loss(out, target, name)

    @staticmethod
    def input_fn(rgb: np.ndarray, *, size: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def teacher_name(self) -> str:
        return f"{self.family}/{self.teacher_variant}"

    def _load_teacher(self, *, student: str, known, teacher_weights: str, image_size: int):
        """Check the student name, then resolve and load the frozen teacher (eval mode, no grads)."""
        from .. import weights as W
        from ..models import get_model

        if student not in known:
            raise DistillError(f"unknown {self.family} student {student!r} (known: {', '.join(known)})"
                               + did_you_mean(student, known))
        fam = get_model(self.family)
        self.student_name, self.image_size = student, image_size
        self.weights = W.resolve(teacher_weights, fam.weight_source(self.teacher_variant), model=fam.family)
        self.teacher = fam.load(self.teacher_variant, self.weights).eval().requires_grad_(False)
        return fam

    @staticmethod
    def _seeded(seed: int, build):
        """``build()`` under ``seed``, without touching the caller's random state."""
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return build()

    @property
    def cache_tag(self) -> str:
        return f"{self.image_size}px"  # the teacher's target depends on the input size

    def prepare(self):
        """image view -> the student's input (a picklable callable, for data-loader workers)."""
        return partial(type(self).input_fn, size=self.image_size)

    @torch.no_grad()
    def _run_student(self, module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
        """``module`` on one input (batch of 1 added) in eval mode, on the module's device; its
        train/eval state is restored after."""
        was = module.training
        module.eval()
        try:
            out = module(torch.from_numpy(x)[None].to(next(module.parameters()).device))
        finally:
            module.train(was)
        return out[0].float().cpu().numpy()

    def student_state_dict(self) -> dict:
        return self.model.state_dict()
