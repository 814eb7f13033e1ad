"""How many prompt sets one decoder call takes, and running K of them in such calls.

Where the prompt batch is recorded:
* dynamic (ONNX Runtime, OpenVINO): ``components.decoder.inputs[point_coords].shape[0] == "prompts"``;
  calls are chunked at ``DEFAULT_MAX_BATCH`` to bound memory (K x 4 x H x W masks).
* TensorRT: the same symbolic dim, bounded by the optimization profile
  (``engine_options.build.profiles.point_coords.max[0]``).
* fixed (LiteRT, Core ML): an integer dim 0; LiteRT bundles may carry extra signatures of fixed batch
  (``prompts_B_points_N``), which the session lists. A chunk smaller than a signature is padded with
  copies of its last prompt set and the padding rows are dropped."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

DEFAULT_MAX_BATCH = 64
BATCHED = ("point_coords", "point_labels", "mask_input", "has_mask_input")


@dataclass(frozen=True)
class BatchPlan:
    """``sizes``: the fixed batch sizes the decoder takes (ascending), or None (any up to ``max_batch``)."""

    max_batch: int
    sizes: tuple[int, ...] | None = None

    def chunks(self, k: int) -> list[tuple[int, int]]:
        """[(prompts in this call, batch it runs at)] covering k prompt sets."""
        out, rem = [], k
        while rem > 0:
            if self.sizes is None:
                n = min(rem, self.max_batch)
                out.append((n, n))
            else:
                fits = [s for s in self.sizes if s <= rem]
                above = [s for s in self.sizes if s >= rem]
                # pad up when no size fits, or when padding wastes at most half the call
                if above and (not fits or above[0] <= 2 * rem):
                    out.append((rem, above[0]))
                    n = rem
                else:
                    n = fits[-1]
                    out.append((n, n))
            rem -= n
        return out


def plan_for(component: Mapping, engine_options: Mapping, session, num_points: int) -> BatchPlan:
    """The plan of one decoder component (its manifest entry) opened as ``session``."""
    spec = next((t for t in component.get("inputs", []) if t["name"] == "point_coords"), None)
    lead = spec["shape"][0] if spec else 1
    shapes = getattr(session, "signature_shapes", None)
    if callable(shapes):  # engines with several fixed signatures (LiteRT) know their batch sizes
        sizes = sorted({int(s["point_coords"][0]) for s in shapes()
                        if "point_coords" in s and int(s["point_coords"][1]) == num_points})
        return BatchPlan(max(sizes), tuple(sizes)) if sizes else BatchPlan(1, (1,))
    if isinstance(lead, int):
        return BatchPlan(lead, (lead,))
    prof = engine_options.get("build", {}).get("profiles", {}).get("point_coords")
    return BatchPlan(int(prof["max"][0]) if prof else DEFAULT_MAX_BATCH)


def run_batched(session, feed: Mapping[str, np.ndarray], plan: BatchPlan) -> dict[str, np.ndarray]:
    """``session.run`` over K prompt sets in the plan's chunks; outputs concatenated along dim 0."""
    k = len(feed["point_coords"])
    parts, start = [], 0
    for n, size in plan.chunks(k):
        sub = dict(feed)
        for name in BATCHED:
            x = feed[name][start:start + n]
            if size > n:
                x = np.concatenate([x, np.repeat(x[-1:], size - n, axis=0)])
            sub[name] = x
        out = session.run(sub)
        parts.append({name: v[:n] for name, v in out.items()})
        start += n
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
