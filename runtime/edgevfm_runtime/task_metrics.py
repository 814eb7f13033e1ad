"""Task-level parity per model family, measured the way a user sees the model (e.g. SAM masks from
the engine's own image embedding), next to the per-output tensor metrics of ``check``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import golden as G
from .parity import mask_iou
from .replay import component_feed


@dataclass
class TaskContext:
    bundle: object
    cases: dict  # golden.parse(reference)
    sessions: dict  # component -> Session
    outputs: dict  # (component, case) -> the engine's outputs with reference upstream inputs


# family -> functions(ctx) -> {metric: value}
TASK_METRICS: dict[str, list[Callable[[TaskContext], dict]]] = {}


def register_task_metric(family: str):
    def deco(fn):
        TASK_METRICS.setdefault(family, []).append(fn)
        return fn
    return deco


def task_metrics(family: str, ctx: TaskContext) -> dict[str, float]:
    out: dict[str, float] = {}
    for fn in TASK_METRICS.get(family, []):
        out.update(fn(ctx))
    return out


@register_task_metric("mobilesam")
def sam_end_to_end_mask_iou(ctx: TaskContext) -> dict:
    """Decoder fed with the engine's own embedding; worst mask IoU over the prompt set."""
    if not {"encoder", "decoder"} <= set(ctx.sessions):
        return {}
    dec = ctx.sessions["decoder"]
    worst = 1.0
    for case, io in ctx.cases["decoder"].items():
        if "masks_bits" not in io["out"]:
            continue
        upstream = ctx.outputs[("encoder", case.split(".")[0])]
        feed = component_feed(ctx.bundle, "decoder", io, upstream)
        got = dec.run({k: feed[k] for k in dec.input_names})
        ref = G.unpack_mask(io["out"]["masks_bits"], io["out"]["masks_bits_shape"])
        flat = ref.reshape(-1, *ref.shape[-2:])
        worst = min([worst, *(mask_iou(r, o) for r, o in zip(flat, (got["masks"] > 0).reshape(flat.shape)))])
    return {"mask_iou": worst}


def _row_cosine(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Cosine per vector along the last axis (one per token / embedding row)."""
    ref = np.asarray(ref, np.float64).reshape(-1, ref.shape[-1])
    got = np.asarray(got, np.float64).reshape(-1, got.shape[-1])
    denom = np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1)
    return np.sum(ref * got, axis=1) / np.maximum(denom, 1e-30)


def _worst_row_cosine(ctx: TaskContext, comp: str, output: str, reduce=np.min) -> float | None:
    """Worst case (over the component's cases) of ``reduce`` over the per-row cosines of ``output``."""
    vals = [float(reduce(_row_cosine(io["out"][output], ctx.outputs[(comp, case)][output])))
            for case, io in ctx.cases.get(comp, {}).items()
            if output in io["out"] and (comp, case) in ctx.outputs]
    return min(vals) if vals else None


@register_task_metric("dinov2")
def dinov2_feature_cosine(ctx: TaskContext) -> dict:
    """What DINOv2 users consume: the CLS embedding (retrieval, linear probes) and the patch features
    (dense tasks) token by token: every token weighs the same, whereas a flattened cosine is dominated
    by the few high-norm tokens ViTs produce. Worst image; patches: mean cosine over tokens."""
    if "encoder" not in ctx.sessions:
        return {}
    out = {"cls_cosine": _worst_row_cosine(ctx, "encoder", "cls_token"),
           "patch_cosine": _worst_row_cosine(ctx, "encoder", "patch_tokens", reduce=np.mean)}
    return {k: v for k, v in out.items() if v is not None}


@register_task_metric("clip")
def clip_embedding_cosine(ctx: TaskContext) -> dict:
    """Worst cosine of any single image or text embedding with its reference (each row alone)."""
    vals = [v for v in (_worst_row_cosine(ctx, "encoder", "image_embeds"), _worst_row_cosine(ctx, "text", "text_embeds"))
            if v is not None]
    return {"embed_cosine": min(vals)} if vals else {}


def _top1(img: np.ndarray, txt: np.ndarray) -> np.ndarray:
    img = img / np.linalg.norm(img, axis=-1, keepdims=True)
    txt = txt / np.linalg.norm(txt, axis=-1, keepdims=True)
    return np.argmax(img @ txt.T, axis=-1)


@register_task_metric("clip")
def clip_zero_shot_agreement(ctx: TaskContext) -> dict:
    """Share of reference photos whose zero-shot label over the reference prompts is unchanged."""
    if not {"encoder", "text"} <= set(ctx.sessions):
        return {}
    enc_cases = list(ctx.cases["encoder"])
    ref_img = np.concatenate([ctx.cases["encoder"][c]["out"]["image_embeds"] for c in enc_cases])
    got_img = np.concatenate([ctx.outputs[("encoder", c)]["image_embeds"] for c in enc_cases])
    text_cases = list(ctx.cases["text"])
    ref_txt = np.concatenate([ctx.cases["text"][c]["out"]["text_embeds"] for c in text_cases])
    got_txt = np.concatenate([ctx.outputs[("text", c)]["text_embeds"] for c in text_cases])
    return {"top1_agreement": float(np.mean(_top1(ref_img, ref_txt) == _top1(got_img, got_txt)))}
