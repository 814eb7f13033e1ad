"""DINOv2: one image encoder (CLS embedding, patch features). One case per photo; task metrics are
the CLS and per-token patch cosines."""
from __future__ import annotations

import numpy as np

from . import register_family
from .base import RuntimeFamily
from .embedding import worst_row_cosine


@register_family
class DinoV2Family(RuntimeFamily):
    name = "dinov2"
    run_output_suffix = ".npy"
    image_output = "cls_token"
    dense_output = "patch_tokens"
    task_metric_info = {
        "cls_cosine": (True, "DINOv2: worst cosine of the CLS embedding with its reference, over the images"),
        "patch_cosine": (True, "DINOv2: mean cosine of the patch features with their reference, token by token "
                               "(worst image)"),
    }

    def record(self, source, images, run, base) -> dict:
        return self.record_photos(source, images, run)

    def task_metrics(self, ctx) -> dict:
        """What DINOv2 users consume: the CLS embedding (retrieval, linear probes) and the patch features
        (dense tasks) token by token: every token weighs the same, whereas a flattened cosine is dominated
        by the few high-norm tokens ViTs produce. Worst image; patches: mean cosine over tokens."""
        if "encoder" not in ctx.sessions:
            return {}
        out = {"cls_cosine": worst_row_cosine(ctx, "encoder", "cls_token"),
               "patch_cosine": worst_row_cosine(ctx, "encoder", "patch_tokens", reduce=np.mean)}
        return {k: v for k, v in out.items() if v is not None}

    def run(self, bundle, args, *, emit=print) -> dict:
        from ..apps.embed_app import run_dinov2

        return run_dinov2(bundle, args, emit=emit)

    def workload(self, source, image, **options):
        from ..bench.workloads import Workload
        from ..embed import DenseFeatures

        f = DenseFeatures(source, **options)
        return Workload({"features": lambda: f(image)}, headline="features", engine=f.session.engine)
