"""CLIP: image and text towers. Cases: one per photo, plus one batch of label texts; task metrics:
worst embedding cosine and zero-shot label agreement."""
from __future__ import annotations

import numpy as np

from .. import golden as G
from . import register_family
from .base import RuntimeFamily
from .embedding import worst_row_cosine

# The golden text case (and the labels of the zero-shot agreement metric).
GOLDEN_TEXTS = ("a photo of a cat", "a photo of a dog", "a photo of a cup of coffee", "a photo of an astronaut",
                "a photo of a rocket", "a diagram")


def _top1(img: np.ndarray, txt: np.ndarray) -> np.ndarray:
    img = img / np.linalg.norm(img, axis=-1, keepdims=True)
    txt = txt / np.linalg.norm(txt, axis=-1, keepdims=True)
    return np.argmax(img @ txt.T, axis=-1)


@register_family
class ClipFamily(RuntimeFamily):
    name = "clip"
    image_output = "image_embeds"
    text_output = "text_embeds"
    task_metric_info = {
        "top1_agreement": (True, "CLIP: share of images whose zero-shot top-1 label matches the reference"),
        "embed_cosine": (True, "CLIP: worst cosine of any one image or text embedding with its reference"),
    }

    def record(self, source, images, run, base) -> dict:
        out = self.record_photos(source, images, run)
        texts = {case: io for case, io in G.parse(base).get("text", {}).items()}
        if not texts:  # no reference to follow (the toolkit's torch golden): the fixed label texts
            from ..models.clip_tokenizer import ClipTokenizer

            texts = {"0": {"src": {}, "in": {"input_ids": ClipTokenizer()(list(GOLDEN_TEXTS))}, "out": {}}}
        if "text" in source.components:
            for case, io in texts.items():
                G.copy_inputs(out, "text", case, io)
                G.store_outputs(out, "text", case, run("text", self.feed(source, "text", io)), io["out"] or None)
        return out

    def task_metrics(self, ctx) -> dict:
        out = self.embedding_cosine(ctx)
        out.update(self.zero_shot_agreement(ctx))
        return out

    @staticmethod
    def embedding_cosine(ctx) -> dict:
        """Worst cosine of any single image or text embedding with its reference (each row alone)."""
        vals = [v for v in (worst_row_cosine(ctx, "encoder", "image_embeds"),
                            worst_row_cosine(ctx, "text", "text_embeds")) if v is not None]
        return {"embed_cosine": min(vals)} if vals else {}

    @staticmethod
    def zero_shot_agreement(ctx) -> dict:
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

    def run(self, bundle, args, *, emit=print) -> dict:
        from ..apps.embed_app import run_clip

        return run_clip(bundle, args, emit=emit)

    def workload(self, source, image, **options):
        from ..bench.workloads import Workload
        from ..embed import ImageEmbedder, TextEmbedder

        img, txt = ImageEmbedder(source, **options), TextEmbedder(source, **options)
        steps = {"image": lambda: img(image), "text": lambda: txt(["a photo of a cat"])}
        return Workload(steps, headline="image", engine=img.engine)
