"""The CLIP distillation task: frozen CLIP teacher, a smaller image tower beside the teacher's frozen text
tower, trained on (1) the teacher's image embeddings and (2) affinity mimicking (TinyCLIP): the student's
image->text logits over a caption list match the teacher's in soft cross-entropy.

Only the image->text direction is mimicked: each sample's term depends on that sample alone, so N
processes train exactly what one process with the same global batch trains (the text->image term is a
softmax over the batch, which DDP would split). ``student.pt`` is a whole CLIP state dict in OpenAI
names (the student image tower + the teacher's text tower and logit scale): it loads as
``clip --variant STUDENT`` (the family reads the shapes off the file).
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import DistillError
from .task_base import DistillTask

TEACHER_VARIANT = "vit-b-32"
CAPTIONS = Path(__file__).with_name("captions.txt")
EVAL_VIEWS = 8  # held-out image views for zero-shot agreement (views of held-out images: never trained on)


def _clip_input(rgb: np.ndarray, *, size: int) -> np.ndarray:
    from edgevfm_runtime.models.clip_preprocess import preprocess

    return preprocess(rgb, size)[0]


def read_captions(path: str | Path | None) -> list[str]:
    p = Path(path) if path else CAPTIONS
    if not p.is_file():
        raise DistillError(f"--captions {p}: not a file; pass a text file with one caption per line")
    caps = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if len(caps) < 2:
        raise DistillError(f"--captions {p}: needs at least 2 captions (one per line), found {len(caps)}")
    return caps


def _norm(x):
    return x / (x.norm(dim=-1, keepdim=True) + 1e-12) if isinstance(x, torch.Tensor) else \
        x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-12)


class ClipTask(DistillTask):
    family = "clip"
    teacher_variant = TEACHER_VARIANT
    input_fn = staticmethod(_clip_input)
    losses = ("affinity", "cosine")  # default: embedding cosine + image->text affinity mimicking; "cosine": the first alone
    default_image_size = 224
    options = ("captions",)  # DistillConfig fields this task takes
    note = "image tower trained here; text tower and logit scale copied from the teacher (frozen)"

    @staticmethod
    def check_image_size(size: int) -> None:
        if size % 32 or not 64 <= size <= 448:
            raise DistillError(f"--image-size {size}: use the teacher's resolution (a multiple of 32, e.g. 224)")

    def __init__(self, *, student: str, teacher_weights: str, seed: int, image_size: int = 224,
                 captions: str | None = None) -> None:
        from ..models.clip.config import STUDENTS, ClipVisionConfig
        from ..models.clip.model import CLIP

        self._load_teacher(student=student, known=STUDENTS, teacher_weights=teacher_weights, image_size=image_size)
        tc = self.teacher.config
        if tc.vision.image_size != image_size:
            raise DistillError(f"--image-size {image_size}: the CLIP teacher takes {tc.vision.image_size} px; "
                               f"pass --image-size {tc.vision.image_size}")
        # the student's image tower: the teacher's at the student's fraction of width and depth (64-wide heads);
        # for the released ViT-B/32 that is the registered config of the student variant (384 wide, 6 blocks)
        frac = STUDENTS[student]
        width = max(64, int(tc.vision.width * frac) // 64 * 64)
        vision = ClipVisionConfig(image_size=tc.vision.image_size, patch_size=tc.vision.patch_size, width=width,
                                  layers=max(1, round(tc.vision.layers * frac)), heads=width // 64)
        self.model = self._seeded(seed, lambda: CLIP(config=dataclasses.replace(tc, vision=vision)))
        text = {k: v for k, v in self.teacher.state_dict().items() if not k.startswith("visual.")}
        self.model.load_state_dict(text, strict=False)
        for name, p in self.model.named_parameters():
            p.requires_grad_(name.startswith("visual."))
        self.captions = read_captions(captions)
        from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer

        ids = torch.from_numpy(ClipTokenizer()(self.captions, context_length=tc.text.context_length))
        with torch.no_grad():
            self.text = _norm(self.teacher.encode_text(ids)).float()  # (K, E), fixed
        self.scale = float(self.teacher.logit_scale.exp())

    @property
    def encoder(self) -> torch.nn.Module:
        return self.model.visual

    @torch.no_grad()
    def teacher_target(self, rgb: np.ndarray) -> np.ndarray:
        return self.teacher.encode_image(torch.from_numpy(_clip_input(rgb, size=self.image_size))[None])[0].numpy()

    def loss(self, out: torch.Tensor, target: torch.Tensor, name: str) -> torch.Tensor:
        s, t = _norm(out), _norm(target)
        embed = 1 - (s * t).sum(-1).mean()
        if name == "cosine":
            return embed
        text = self.text.to(out.device)
        soft = F.softmax(self.scale * t @ text.T, dim=-1)
        affinity = -(soft * F.log_softmax(self.scale * s @ text.T, dim=-1)).sum(-1).mean()
        entropy = -(soft * torch.log(soft + 1e-12)).sum(-1).mean()  # KL = CE - H: 0 when the logits agree
        return embed + affinity - entropy

    def student_embedding(self, rgb: np.ndarray) -> np.ndarray:
        return self._run_student(self.encoder, _clip_input(rgb, size=self.image_size))

    def evaluate(self, images: list[np.ndarray], targets: list[np.ndarray], *,
                 constant: np.ndarray | None = None) -> dict:
        """Zero-shot top-1 agreement with the teacher over the caption list, on EVAL_VIEWS views of each
        held-out image (view 0 = the image); image-embedding cosine; with ``constant`` (the mean training
        embedding) the agreement of an input-blind student, and how many captions the teacher picks."""
        from .data import view

        text = self.text.numpy()
        agree, coss, base, picks = [], [], [], []
        for rgb in images:
            sha = hashlib.sha256(np.ascontiguousarray(rgb).tobytes()).hexdigest()
            for v in range(EVAL_VIEWS):
                img = view(rgb, sha, v)
                t = self.teacher_target(img)
                s = self.student_embedding(img)
                top_t = int(np.argmax(_norm(t) @ text.T))
                agree.append(top_t == int(np.argmax(_norm(s) @ text.T)))
                coss.append(float(_norm(s) @ _norm(t)))
                picks.append(top_t)
                if constant is not None:
                    base.append(top_t == int(np.argmax(_norm(np.asarray(constant, np.float32)) @ text.T)))
        out = {"zero_shot_top1_agreement": float(np.mean(agree)), "image_embedding_cosine": float(np.mean(coss)),
               "eval_views": len(agree), "captions": len(self.captions)}
        if constant is not None:
            out["zero_shot_top1_agreement_constant"] = float(np.mean(base))
            out["teacher_distinct_top1"] = len(set(picks))
        return out

    @staticmethod
    def describe(m: dict) -> str:
        return (f"held-out zero-shot top-1 agreement {m['zero_shot_top1_agreement']:.3f} over {m['eval_views']} "
                f"views x {m['captions']} captions, image-embedding cosine {m['image_embedding_cosine']:.4f}")
