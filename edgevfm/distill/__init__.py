"""`edgevfm distill`: train a small student of a family's encoder against its frozen teacher.

One file per concern: ``data`` (image folder, views, augmentations), ``cache`` (teacher embeddings
on disk), ``losses``, ``dist`` (DDP setup, global-batch BatchNorm), ``checkpoint`` (atomic train
state, the exportable student), ``log`` (JSON lines, loss curve, progress), ``sam`` (the SAM task:
teacher, student, mask-IoU evaluation) and ``loop`` (the training loop).
"""
from edgevfm_runtime.errors import EdgeVFMError


class DistillError(EdgeVFMError):
    """Distillation cannot start or continue (bad data folder, unknown student, bad checkpoint)."""
