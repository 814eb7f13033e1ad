"""CLIP calibration feeds: image-tower ``pixel_values`` from the runtime's preprocessing, and
text-tower ``input_ids`` (int32, batch 1) from a fixed, varied caption set: templates × subjects,
of different lengths (the EOT token lands anywhere from position 5 to ~25). The captions share no
subject with the zero-shot labels parity uses (``GOLDEN_TEXTS``), so text calibration and text
parity stay disjoint like the images do."""
from __future__ import annotations

import numpy as np

from edgevfm_runtime.preprocess import preprocess

TEMPLATES = (
    "a blurry photo of the {}.",
    "a close-up picture of a {}",
    "an oil painting of a {} hanging in a museum",
    "a black and white photograph of two {}s",
    "a pencil sketch of the {}.",
    "a low resolution image of a {} at night",
    "a {} seen from far away on a foggy morning, with people walking past in the background",
    "This is my favourite {}!",
)
SUBJECTS = (
    "bicycle", "mountain lake", "kitchen", "guitar", "sailboat", "pizza", "bridge", "tiger",
    "umbrella", "lighthouse", "violin", "pine forest", "traffic light", "teapot", "skyscraper", "butterfly",
)


def captions(n: int, *, seed: int = 0) -> list[str]:
    """``n`` distinct captions (at most templates × subjects), a seeded shuffle of every pair."""
    pairs = [t.format(s) for t in TEMPLATES for s in SUBJECTS]
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [pairs[i] for i in order[: max(0, min(n, len(pairs)))]]


def clip_calibration_feeds(images: list[np.ndarray], spec: dict, *, texts: int, seed: int, context_length: int,
                           progress=None) -> dict[str, list[dict]]:
    from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer

    feeds: dict[str, list[dict]] = {"encoder": [], "text": []}
    for rgb in images:
        feeds["encoder"].append({"pixel_values": preprocess(rgb, spec)})
        if progress:
            progress()
    ids = ClipTokenizer()(captions(texts, seed=seed), context_length=context_length)  # (n, L) int32
    feeds["text"] = [{"input_ids": ids[i: i + 1]} for i in range(len(ids))]
    return feeds
