"""CLIP as the toolkit sees it: variants, checkpoint formats, image + text tower components, golden data."""
from __future__ import annotations

import numpy as np

from edgevfm_runtime.models.clip_preprocess import CLIP_MEAN, CLIP_STD
from edgevfm_runtime.models.clip_tokenizer import EOT_ID, SOT_ID
from edgevfm_runtime.preprocess_steps import step

from ...weights import ResolvedWeights, WeightSource
from ..spec import Component, ModelFamily, TensorSpec, register_model
from .config import DEFAULT_VARIANT, VARIANTS



@register_model
class ClipFamily(ModelFamily):
    name = "clip"
    family = "clip"
    ort_optimizer_model_type = "clip"
    variants = tuple(VARIANTS)
    default_variant = DEFAULT_VARIANT
    license = "MIT"
    source = "https://github.com/openai/CLIP"
    summary = "CLIP image + text towers (OpenAI ViT-B/32, open_clip LAION-2B, TinyCLIP 8M/16 and 40M/32)"

    def build(self, variant: str):
        from .model import CLIP

        return CLIP(config=VARIANTS[variant].config)

    def weight_source(self, variant: str) -> WeightSource:
        return VARIANTS[variant].weights

    def load(self, variant: str, weights: ResolvedWeights):
        if weights.random:
            return super().load(variant, weights)
        from .checkpoint import load_clip

        # The config is read off the checkpoint's shapes; the activation is the variant's.
        model, _layout = load_clip(weights.path, activation=VARIANTS[variant].config.activation)
        return model

    def components(self, model, variant: str, recipe: dict) -> list[Component]:
        from .export import ClipImageExport, ClipTextExport

        img, txt = ClipImageExport(model).eval(), ClipTextExport(model).eval()
        r, e = model.config.vision.image_size, model.config.embed_dim
        ctx = model.config.text.context_length
        return [
            Component("encoder", img, img.example_inputs(),
                      [TensorSpec("pixel_values", "float32", ("batch", 3, r, r), "NCHW")],
                      [TensorSpec("image_embeds", "float32", ("batch", e))], dynamic_axes=img.io["dynamic_axes"]),
            Component("text", txt, txt.example_inputs(),
                      [TensorSpec("input_ids", "int32", ("batch", ctx))],
                      [TensorSpec("text_embeds", "float32", ("batch", e))], dynamic_axes=txt.io["dynamic_axes"]),
        ]

    def preprocess(self, variant: str, recipe: dict) -> dict:
        """OpenAI's transform: shorter side to R (bicubic), centre crop R, /255, CLIP mean/std."""
        r = VARIANTS[variant].config.vision.image_size if variant else 224
        return {"kind": "clip", "color": "RGB", "input": "pixel_values", "input_size": [r, r],
                "steps": [step("resize_shorter", size=r, interpolation="bicubic"), step("center_crop", size=[r, r]),
                          step("normalize", divide=255.0, mean=list(CLIP_MEAN), std=list(CLIP_STD))]}

    def postprocess(self, model, variant: str, recipe: dict) -> dict:
        """Embeddings leave the towers unnormalised: L2-normalise, then logits = exp(logit_scale)·cosine."""
        return {"logit_scale": float(model.logit_scale.detach()),
                "embeddings": {"image": "image_embeds", "text": "text_embeds"}, "l2_normalize": True,
                "tokenizer": {"kind": "clip_bpe", "vocab": "bpe_simple_vocab_16e6",
                              "context_length": model.config.text.context_length, "sot": SOT_ID, "eot": EOT_ID}}

    def golden(self, model, images: list[np.ndarray], recipe: dict) -> dict[str, np.ndarray]:
        """The runtime family's cases (photos + the label texts) at the model's own resolution."""
        from ..torch_cases import record_with_torch

        r = model.config.vision.image_size
        return record_with_torch(self.family, self.components(model, "", recipe),
                                 {"kind": "clip", "input_size": [r, r]}, images)

    def calibration_feeds(self, model, images: list[np.ndarray], recipe: dict, *, progress=None) -> dict:
        from .calibration import clip_calibration_feeds

        cal = recipe.get("quantize", {}).get("calibration", {})
        r = model.config.vision.image_size
        return clip_calibration_feeds(images, {"kind": "clip", "input_size": [r, r]}, texts=int(cal.get("texts", 64)),
                                      seed=int(cal.get("seed", 0)), context_length=model.config.text.context_length,
                                      progress=progress)
