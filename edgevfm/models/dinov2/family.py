"""DINOv2 ViT-S/14 as the toolkit sees it: weights, the fixed-resolution encoder component, golden data."""
from __future__ import annotations


import numpy as np

from edgevfm_runtime.models.dinov2_preprocess import IMAGENET_MEAN, IMAGENET_STD
from edgevfm_runtime.preprocess_steps import step

from ...weights import ResolvedWeights, WeightSource
from ..spec import Component, ModelFamily, TensorSpec, register_model
from .config import VARIANTS, WEIGHTS


def _input_size(recipe: dict, patch: int) -> tuple[int, int]:
    from ...recipes import RecipeError

    size = recipe.get("input_size", [224, 224])
    if isinstance(size, int):
        size = [size, size]
    if len(size) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) for s in size):
        raise RecipeError(f"recipe input_size must be S or [H, W] in pixels, got {size!r}")
    h, w = size
    if h % patch or w % patch or h <= 0 or w <= 0:
        raise RecipeError(f"recipe input_size {h}x{w} must be positive multiples of the patch size {patch} "
                          f"(e.g. --set input_size={max(patch, round(h / patch) * patch)})")
    return int(h), int(w)


def _pos_embed_resample(model, recipe: dict) -> str:
    """``--set pos_embed_resample=...`` if given, else what the checkpoint's origin implies."""
    return str(recipe.get("pos_embed_resample") or model.config.pos_embed_resample)


@register_model
class DinoV2Family(ModelFamily):
    name = "dinov2"
    family = "dinov2"
    ort_optimizer_model_type = "vit"
    variants = tuple(VARIANTS)
    default_variant = "vits14"
    license = "Apache-2.0"
    source = "https://github.com/facebookresearch/dinov2"
    summary = "DINOv2 ViT-S/14 self-supervised features: CLS embedding, patch features (dense), registers"
    recipe_keys = {
        "input_size": (int, list),  # export resolution: S or [H, W], multiples of 14
        "intermediate_layers": list,  # extra normed outputs of these block indices
        "prenorm": bool,  # also output all tokens before the final norm (x_prenorm)
        "pos_embed_resample": str,  # official | transformers | timm (default: the checkpoint's library)
    }

    def build(self, variant: str):
        from .model import DinoV2

        return DinoV2(config=VARIANTS[variant])

    def weight_source(self, variant: str) -> WeightSource:
        if variant not in WEIGHTS:  # a distillation student: weights from `edgevfm distill dinov2` only
            return WeightSource(filename=f"dinov2_{variant}.pt", unavailable=(
                f"dinov2/{variant} is a distillation student with no released weights: train one with "
                f"`edgevfm distill dinov2 --student {variant} --data DIR -o RUN_DIR` and pass --weights RUN_DIR/student.pt"))
        url = WEIGHTS[variant]["url"]
        return WeightSource(filename=url.rsplit("/", 1)[1], urls=(url,))

    def load(self, variant: str, weights: ResolvedWeights):
        if weights.random:
            return super().load(variant, weights)
        from .._loading import CheckpointError
        from .checkpoint import load_dinov2

        model = load_dinov2(weights.path)  # config (depth, registers, width, head) read off the checkpoint
        if model.config.num_register_tokens != VARIANTS[variant].num_register_tokens:
            other = "vits14-reg" if model.config.num_register_tokens else "vits14"
            raise CheckpointError(f"{weights.path} is a {other} checkpoint; pass --variant {other}")
        want, got = VARIANTS[variant], model.config
        if (want.out_dim, want.embed_dim) != (got.out_dim, got.embed_dim) and (want.out_dim or got.out_dim):
            raise CheckpointError(f"{weights.path} is a {got.embed_dim}-wide DINOv2"
                                  f"{f' student with a {got.out_dim}-d head' if got.out_dim else ''}, not {variant} "
                                  f"({want.embed_dim} wide{f', {want.out_dim}-d head' if want.out_dim else ''})")
        return model

    def manifest_model(self, model, variant: str, recipe: dict) -> dict:
        """The pos-embed resampling the bundle was exported with (the file's library unless --set), and the
        grids it maps between; `check` rebuilds its torch reference with the same ``options``."""
        method = _pos_embed_resample(model, recipe)
        p = model.config.patch_size
        h, w = _input_size(recipe, p)
        grid = round((model.pos_embed.shape[1] - 1) ** 0.5)
        return {"options": {"pos_embed_resample": method},
                "pos_embed": {"resample": method, "checkpoint_library": model.config.pos_embed_resample,
                              "checkpoint_grid": [grid, grid], "export_grid": [h // p, w // p]}}

    def components(self, model, variant: str, recipe: dict) -> list[Component]:
        import torch

        from .export import DinoV2Export, output_names

        size = _input_size(recipe, model.config.patch_size)
        layers = tuple(recipe.get("intermediate_layers", ()))
        prenorm = bool(recipe.get("prenorm", False))
        wrapper = DinoV2Export(model, intermediate_layers=layers, prenorm=prenorm).eval()
        wrapper.model.set_pos_embed_resample(_pos_embed_resample(model, recipe))  # a private copy
        wrapper.set_export_resolution(*size)
        outs = output_names(model.config, layers, image_size=size, prenorm=prenorm)
        return [Component("encoder", wrapper, (torch.zeros(1, 3, *size),),
                          [TensorSpec("pixel_values", "float32", (1, 3, *size), "NCHW")],
                          [TensorSpec(n, "float32", s) for n, s in outs.items()])]

    def preprocess(self, variant: str, recipe: dict) -> dict:
        """Square S: the official eval transform (shorter side to S·256/224, bicubic; centre crop S);
        non-square, and dense features: bicubic resize straight to HxW. Then /255 and ImageNet mean/std."""
        h, w = _input_size(recipe, 14)
        norm = step("normalize", divide=255.0, mean=IMAGENET_MEAN.tolist(), std=IMAGENET_STD.tolist())
        dense = [step("resize", size=[h, w], interpolation="bicubic"), norm]
        out = {"kind": "dinov2", "color": "RGB", "input": "pixel_values", "input_size": [h, w], "patch_size": 14,
               "steps": dense}
        if h == w:
            out["steps"] = [step("resize_shorter", size=int(256 * h / 224), interpolation="bicubic"),
                            step("center_crop", size=[h, w]), norm]
            out["dense_steps"] = dense
        return out

    def postprocess(self, model, variant: str, recipe: dict) -> dict:
        """The final LayerNorm is applied to both (x_norm_clstoken / x_norm_patchtokens)."""
        return {"features": {"cls": "cls_token", "patch": "patch_tokens"}, "normalized": True}

    def calibration_feeds(self, model, images: list[np.ndarray], recipe: dict, *, progress=None) -> dict:
        from .calibration import dinov2_calibration_feeds

        return dinov2_calibration_feeds(images, self.preprocess("", recipe), progress=progress)
