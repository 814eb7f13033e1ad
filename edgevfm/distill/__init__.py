"""`edgevfm distill`: train a small student of a family's encoder against its frozen teacher.

One file per concern: ``data`` (image folder, views, augmentations), ``cache`` (teacher embeddings
on disk), ``losses``, ``dist`` (DDP setup, global-batch BatchNorm), ``checkpoint`` (atomic train
state, the exportable student), ``log`` (JSON lines, loss curve, progress), ``task_base`` and the
tasks ``sam`` (teacher, student, mask-IoU evaluation), ``dinov2``, ``clip``, ``sam_prompts`` (SAM
phase 2: prompt-in-the-loop mask distillation) and ``loop`` (the training loop).
"""
from edgevfm_runtime.errors import EdgeVFMError


class DistillError(EdgeVFMError):
    """Distillation cannot start or continue (bad data folder, unknown student, bad checkpoint)."""
