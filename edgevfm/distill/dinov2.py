"""The DINOv2 distillation task: frozen ViT-S/14 teacher, a narrower ViT/14 student whose head maps its
tokens into the teacher's feature space; the student matches the teacher's normalised CLS and patch
tokens (DINOv2's own recipe for its small models: a student trained on a frozen teacher's features).

Both see the same square view (bicubic resize to ``--image-size``, ImageNet normalisation: the
family's dense preprocessing), so every patch token has a target. ``student.pt`` is the student's
official-named state dict (plus ``head.*``): it loads as ``dinov2 --variant STUDENT``.
"""
from __future__ import annotations

import numpy as np
import torch

from . import DistillError
from .losses import LOSSES
from .task_base import DistillTask

TEACHER_VARIANT = "vits14"


def _dense_input(rgb: np.ndarray, *, size: int) -> np.ndarray:
    from edgevfm_runtime.models.dinov2_preprocess import preprocess_dense

    return preprocess_dense(rgb, size=(size, size))[0]


class _Tokens(torch.nn.Module):
    """Image -> all normalised tokens (B, 1 + N, D) = [CLS, patches]: the module DDP wraps."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.normed(self.model.forward_tokens(x)[0])


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-12)


class DinoV2Task(DistillTask):
    family = "dinov2"
    teacher_variant = TEACHER_VARIANT
    input_fn = staticmethod(_dense_input)
    losses = ("cosine", "huber", "mse")  # the first is the default
    default_image_size = 224
    note = "whole ViT trained here; its linear head maps the student's tokens to the teacher's features"

    @staticmethod
    def check_image_size(size: int) -> None:
        if size % 14 or not 56 <= size <= 518:
            raise DistillError(f"--image-size {size}: use a multiple of the patch size 14 from 56 to 518 (e.g. 224)")

    def __init__(self, *, student: str, teacher_weights: str, seed: int, image_size: int = 224) -> None:
        from ..models.dinov2.config import STUDENTS

        fam = self._load_teacher(student=student, known=STUDENTS, teacher_weights=teacher_weights,
                                 image_size=image_size)
        if self.teacher.config.num_register_tokens:
            raise DistillError("the dinov2 teacher must be a vits14 checkpoint without registers")
        self.model = self._seeded(seed, lambda: fam.build(student))
        if self.model.config.feature_dim != self.teacher.config.feature_dim:
            raise DistillError(f"student {student} outputs {self.model.config.feature_dim}-d features, the teacher "
                               f"{self.teacher.config.feature_dim}-d")
        self._encoder = _Tokens(self.model)

    @property
    def encoder(self) -> torch.nn.Module:
        return self._encoder

    @torch.no_grad()
    def teacher_target(self, rgb: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(_dense_input(rgb, size=self.image_size))[None]
        return self.teacher.normed(self.teacher.forward_tokens(x)[0])[0].numpy()

    def loss(self, out: torch.Tensor, target: torch.Tensor, name: str) -> torch.Tensor:
        """CLS and patch terms weighted equally (the CLS is one token among hundreds)."""
        fn = LOSSES[name]
        return fn(out[:, 0], target[:, 0]) + fn(out[:, 1:], target[:, 1:])

    def student_tokens(self, rgb: np.ndarray) -> np.ndarray:
        return self._run_student(self._encoder, _dense_input(rgb, size=self.image_size))

    def evaluate(self, images: list[np.ndarray], targets: list[np.ndarray], *,
                 constant: np.ndarray | None = None) -> dict:
        """Held-out cosine of the student's CLS and patch tokens to the teacher's (mean over images, and
        over patches); with ``constant`` (the mean training target), the same for an input-blind student;
        ``teacher_cls_cosine_between_images`` says how much the teacher's CLS varies across these images."""
        cls, patch, worst = [], [], []
        base_cls, base_patch = [], []
        for rgb, t in zip(images, targets):
            t = np.asarray(t, np.float32)
            s = self.student_tokens(rgb)
            cls.append(float(_cos(s[0], t[0])))
            pc = _cos(s[1:], t[1:])
            patch.append(float(pc.mean()))
            worst.append(float(pc.min()))
            if constant is not None:
                base_cls.append(float(_cos(constant[0], t[0])))
                base_patch.append(float(_cos(constant[1:], t[1:]).mean()))
        out = {"cls_cosine": float(np.mean(cls)), "cls_cosine_min": float(np.min(cls)),
               "patch_cosine": float(np.mean(patch)), "patch_cosine_min": float(np.min(worst))}
        if constant is not None:
            out["cls_cosine_constant"] = float(np.mean(base_cls))
            out["patch_cosine_constant"] = float(np.mean(base_patch))
            tc = np.stack([np.asarray(t, np.float32)[0] for t in targets])
            if len(tc) > 1:
                sims = _cos(tc[:, None], tc[None])[~np.eye(len(tc), dtype=bool)]
                out["teacher_cls_cosine_between_images"] = float(sims.mean())
        return out

    @staticmethod
    def describe(m: dict) -> str:
        return (f"held-out CLS cosine {m['cls_cosine']:.4f} (worst {m['cls_cosine_min']:.4f}), "
                f"patch cosine {m['patch_cosine']:.4f} (worst patch {m['patch_cosine_min']:.4f})")
