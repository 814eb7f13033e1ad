"""The SAM ``batch`` bench workload: K boxes as K single ``predict`` calls and as one batched call
(K = 1, 8, 32), and segment everything (``SamMaskGenerator``) on 16x16 and 32x32 point grids. The
embedding is computed once when the workload is built; every step decodes from it, so the steps time
the prompt side alone (everything includes its own ``embed``, as a user's ``generate(image)`` does)."""
from __future__ import annotations

import numpy as np

BOX_COUNTS = (1, 8, 32)
GRID_SIDES = (16, 32)


def bench_boxes(k: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    """``k`` seeded boxes (XYXY, pixels) inside an ``h`` x ``w`` image, each at least 8 px a side."""
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, w / 2, k), rng.uniform(0, h / 2, k)
    return np.stack([x0, y0, x0 + rng.uniform(8, w / 2, k), y0 + rng.uniform(8, h / 2, k)], 1)


def batch_workload(source, image: np.ndarray, *, box_counts=BOX_COUNTS, grid_sides=GRID_SIDES, **options):
    from ..bench.workloads import Workload
    from .everything import SamMaskGenerator
    from .predictor import SamPredictor

    p = SamPredictor(source, **options)
    emb = p.embed(image)
    steps, ratios = {}, {}
    for k in box_counts:
        boxes = bench_boxes(k, *emb.original_size)

        def singles(b=boxes):
            for box in b:
                p.predict(emb, box=box)

        steps[f"boxes{k}_singles"] = singles
        steps[f"boxes{k}_batched"] = lambda b=boxes: p.predict(emb, box=b)
        ratios[f"K={k}"] = (f"boxes{k}_singles", f"boxes{k}_batched")
    for n in grid_sides:
        # filters at the official defaults: what a user of generate() gets
        gen = SamMaskGenerator(p, points_per_side=n, points_per_batch=64)
        steps[f"everything{n}"] = lambda g=gen: g.generate(image)
    head = f"boxes{max(box_counts)}_batched" if box_counts else next(iter(steps))
    return Workload(steps, headline=head, engine=p.engine, ratios=ratios)
