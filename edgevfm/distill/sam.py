"""The SAM distillation task: frozen MobileSAM teacher, a student image encoder, mask-IoU evaluation.

The student checkpoint (``student.pt``) is a whole ``sam`` model: the trained student image encoder
plus the teacher's prompt encoder and mask decoder, copied unchanged (they are frozen here, and
the student's embedding is trained to be the teacher's, so the decoder is shared). It therefore
loads strictly as ``sam --variant STUDENT`` and exports, checks and benches like the teacher.
"""
from __future__ import annotations

import numpy as np
import torch

from edgevfm_runtime.parity import mask_iou
from edgevfm_runtime.sam.prompt_set import prompt_set
from edgevfm_runtime.sam.prompts import decoder_feed
from edgevfm_runtime.sam.transforms import encoder_input

from . import DistillError
from .data import student_input
from .losses import LOSSES, match_resolution
from .task_base import DistillTask, Phase

TEACHER_VARIANT = "vit_t"
# phase-2 loss -> the embedding loss added to the mask loss (None: EdgeSAM's, the mask loss alone)
PHASE2_LOSSES = {"bce-dice": None, "bce-dice+huber": "huber"}
PROMPT_STREAM = 2  # keys phase 2's prompt draws apart from the jitter drawn for the same (seed, epoch, sample)


class SamTask(DistillTask):
    family = "sam"
    teacher_variant = TEACHER_VARIANT
    input_fn = staticmethod(student_input)
    losses = ("huber", "mse")  # huber: nanosam's (the default); mse: EdgeSAM's phase 1
    # 1: embedding distillation; 2: EdgeSAM's prompt-in-the-loop mask distillation (sam_prompts.py)
    phases = {1: Phase(losses), 2: Phase(tuple(PHASE2_LOSSES), needs_init=True)}
    options = ("phase", "init")  # DistillConfig fields this task takes
    default_image_size = 1024
    note = "image encoder trained here; prompt encoder and mask decoder copied from the teacher"

    @staticmethod
    def check_image_size(size: int) -> None:
        if size % 64 or not 64 <= size <= 1024:
            raise DistillError(f"--image-size {size}: use a multiple of 64 up to 1024")

    def __init__(self, *, student: str, teacher_weights: str, seed: int, image_size: int = 1024,
                 phase: int = 1, init: str | None = None) -> None:
        from ..models.mobilesam.encoders import STUDENTS
        from ..models.mobilesam.model import build_mobilesam

        self._load_teacher(student=student, known=STUDENTS, teacher_weights=teacher_weights, image_size=image_size)
        self.model = self._seeded(seed, lambda: build_mobilesam(student))
        self.model.prompt_encoder.load_state_dict(self.teacher.prompt_encoder.state_dict())
        self.model.mask_decoder.load_state_dict(self.teacher.mask_decoder.state_dict())
        self.model.prompt_encoder.requires_grad_(False)
        self.model.mask_decoder.requires_grad_(False)
        self.phase, self.provenance = phase, {}
        if init is not None:
            self._init_encoder(init)

    def _init_encoder(self, path: str) -> None:
        """Start from a (phase-1) ``student.pt`` of this student: its image encoder, loaded strictly (the
        prompt encoder and mask decoder stay the teacher's)."""
        import hashlib
        from pathlib import Path

        from edgevfm_runtime.errors import EdgeVFMError

        from ..models._loading import load_state_dict_strict
        from ..weights import torch_load

        try:
            sd = torch_load(Path(path))
            enc = {k[len("image_encoder."):]: v for k, v in sd.items() if k.startswith("image_encoder.")}
            load_state_dict_strict(self.encoder, enc, source=str(path))
        except (EdgeVFMError, OSError) as exc:
            raise DistillError(f"--init {path}: not a student.pt of sam/{self.student_name} "
                               f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
        self.provenance = {"init_sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}

    def train_loss(self, out: torch.Tensor, target: torch.Tensor, name: str, *, ds, items) -> torch.Tensor:
        if self.phase == 1:
            return self.loss(out, target, name)
        from ..models.mobilesam.model import resize_longest_side_shape
        from .data import _rng
        from .sam_prompts import prompt_loop_loss

        self.model.prompt_encoder.to(out.device), self.model.mask_decoder.to(out.device)
        rngs = [_rng(ds.seed, ds.epoch, i, PROMPT_STREAM) for i in items]
        valid = [resize_longest_side_shape(*ds.image(i).shape[:2]) for i in items]
        loss = prompt_loop_loss(self.model, out, target, rngs, valid)
        extra = PHASE2_LOSSES[name]
        return loss if extra is None else loss + self.loss(out, target, extra)

    @property
    def encoder(self) -> torch.nn.Module:
        """The trainable part."""
        return self.model.image_encoder

    @property
    def cache_tag(self) -> str:
        return ""  # the teacher always sees 1024 px; lower student sizes pool the target (``loss``)

    def loss(self, out: torch.Tensor, target: torch.Tensor, name: str) -> torch.Tensor:
        return LOSSES[name](out, match_resolution(target, out.shape[-2:]))

    @staticmethod
    def describe(m: dict) -> str:
        return (f"held-out mask IoU {m['mask_iou']:.4f} (worst {m['mask_iou_min']:.4f}), "
                f"embedding loss {m['val_loss']:.4g}, cosine {m['embedding_cosine']:.4f}")

    @torch.no_grad()
    def teacher_embedding(self, rgb: np.ndarray) -> np.ndarray:
        x, _ = encoder_input(rgb)
        return self.teacher.image_encoder(torch.from_numpy(x))[0].numpy()

    teacher_target = teacher_embedding  # what the loop caches per image view

    def student_embedding(self, rgb: np.ndarray) -> np.ndarray:
        return self._run_student(self.encoder, encoder_input(rgb)[0][0])

    @torch.no_grad()
    def mask_ious(self, rgb: np.ndarray, teacher_emb: np.ndarray, student_emb: np.ndarray) -> list[float]:
        """Mask IoU of the decoder's masks (all tokens) from the student's vs the teacher's embedding,
        over the project's SAM prompt set (the one parity and bench use)."""
        from ..models.mobilesam.export import SamOnnxDecoder

        dec = SamOnnxDecoder(self.teacher).eval()
        h, w = rgb.shape[:2]
        ious = []
        for p in prompt_set(h, w).values():
            feed = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"], mask_input=None, image_size=(h, w))
            args = [torch.from_numpy(feed[k]) for k in
                    ("point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size")]
            ref = dec(torch.from_numpy(np.asarray(teacher_emb, np.float32))[None], *args)[0][0].numpy() > 0
            got = dec(torch.from_numpy(np.asarray(student_emb, np.float32))[None], *args)[0][0].numpy() > 0
            ious.extend(mask_iou(r, g) for r, g in zip(ref, got))
        return ious

    def evaluate(self, images: list[np.ndarray], teacher_embs: list[np.ndarray], *,
                 constant: np.ndarray | None = None) -> dict:
        """Held-out metrics: student-vs-teacher mask IoU (mean and worst over images x prompts x mask
        tokens), embedding loss and cosine; with ``constant``, the same IoU for that fixed embedding
        (the mean training embedding: what a student that ignores the image would reach)."""
        import torch.nn.functional as F

        ious, losses, coss, base = [], [], [], []
        for rgb, t in zip(images, teacher_embs):
            t = np.asarray(t, np.float32)
            s = self.student_embedding(rgb)
            ious += self.mask_ious(rgb, t, s)
            losses.append(float(F.huber_loss(torch.from_numpy(s), torch.from_numpy(t))))
            coss.append(float(np.dot(s.ravel(), t.ravel()) / (np.linalg.norm(s) * np.linalg.norm(t) + 1e-12)))
            if constant is not None:
                base += self.mask_ious(rgb, t, constant)
        out = {"mask_iou": float(np.mean(ious)), "mask_iou_min": float(np.min(ious)),
               "val_loss": float(np.mean(losses)), "embedding_cosine": float(np.mean(coss))}
        if constant is not None:
            out["mask_iou_constant_embedding"] = float(np.mean(base))
        return out
