"""MobileSAM calibration feeds: encoder inputs from the runtime's preprocessing, and decoder inputs
made of FP32 encoder embeddings plus sampled prompts (points, boxes, with and without mask input)."""
from __future__ import annotations

import numpy as np
import torch

from edgevfm_runtime.sam.prompts import decoder_feed
from edgevfm_runtime.sam.transforms import encoder_input


def _sample_prompts(rng: np.random.Generator, h: int, w: int, n: int) -> list[dict]:
    """``n`` prompts inside the image: 1–3 clicks (mixed labels), a box, or a box with a click."""
    out = []
    for i in range(n):
        kind = i % 3
        x0, x1 = sorted(rng.uniform(0, w, 2))
        y0, y1 = sorted(rng.uniform(0, h, 2))
        box = [x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)] if kind else None
        k = int(rng.integers(1, 4)) if kind != 1 else 0
        pts = np.stack([rng.uniform(0, w, k), rng.uniform(0, h, k)], 1).tolist() if k else None
        labels = ([1] + rng.integers(0, 2, k - 1).tolist()) if k else None
        out.append({"points": pts, "labels": labels, "box": box})
    return out


@torch.no_grad()
def sam_calibration_feeds(model, images: list[np.ndarray], *, prompts_per_image: int, seed: int,
                          progress=None) -> dict[str, list[dict]]:
    from .export import SamEncoderExport, SamOnnxDecoder

    enc, dec = SamEncoderExport(model).eval(), SamOnnxDecoder(model).eval()
    rng = np.random.default_rng(seed)
    feeds: dict[str, list[dict]] = {"encoder": [], "decoder": []}
    names = ("point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size")
    for rgb in images:
        x, _ = encoder_input(rgb)
        feeds["encoder"].append({"images": x})
        emb = enc(torch.from_numpy(x))
        h, w = rgb.shape[:2]
        for j, p in enumerate(_sample_prompts(rng, h, w, prompts_per_image)):
            feed = decoder_feed(**p, mask_input=None, image_size=(h, w))
            feeds["decoder"].append({"image_embeddings": emb.numpy(), **feed})
            if j % 2 == 0:  # mask feedback as users do it: the best low-res mask of this prompt
                _, iou, low = dec(emb, *[torch.from_numpy(feed[k]) for k in names])
                best = int(iou[0].argmax())
                fb = decoder_feed(**p, mask_input=low[0, best].numpy(), image_size=(h, w))
                feeds["decoder"].append({"image_embeddings": emb.numpy(), **fb})
        if progress:
            progress()
    return feeds
