"""MobileSAM as the toolkit sees it: weights, components (encoder, decoder), golden data."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgevfm_runtime.preprocess_steps import step
from edgevfm_runtime.sam.transforms import IMG_SIZE, PIXEL_MEAN, PIXEL_STD

from ...weights import WeightSource, torch_load
from ..spec import Component, ModelFamily, TensorSpec, register_model
from .encoders import STUDENTS

# No checksum is published with the release, so the file's sha256 is recorded, not verified.
_SOURCE = WeightSource(
    filename="mobile_sam.pt",
    urls=("https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",),
    hf_repo="dhkim2810/MobileSAM",
    hf_filename="mobile_sam.pt",
)

MAX_USER_POINTS = 16  # prompt points a user may give an engine with a points range (Core ML, TensorRT, ExecuTorch)
# The decoder's point input: the user's points plus the runtime's padding point or two box corners.
MAX_POINTS = MAX_USER_POINTS + 2
ENCODER_INPUTS = [TensorSpec("images", "float32", (1, 3, IMG_SIZE, IMG_SIZE), "NCHW")]
ENCODER_OUTPUTS = [TensorSpec("image_embeddings", "float32", (1, 256, 64, 64), "NCHW")]
DECODER_INPUTS = [
    TensorSpec("image_embeddings", "float32", (1, 256, 64, 64), "NCHW"),
    TensorSpec("point_coords", "float32", ("prompts", "num_points", 2)),
    TensorSpec("point_labels", "float32", ("prompts", "num_points")),
    TensorSpec("mask_input", "float32", ("prompts", 1, 256, 256), "NCHW"),
    TensorSpec("has_mask_input", "float32", ("prompts",)),
    TensorSpec("orig_im_size", "float32", (2,)),
]


def decoder_outputs(k: int) -> list[TensorSpec]:
    return [
        TensorSpec("masks", "float32", ("prompts", k, "height", "width"), "NCHW"),
        TensorSpec("iou_predictions", "float32", ("prompts", k)),
        TensorSpec("low_res_masks", "float32", ("prompts", k, 256, 256), "NCHW"),
    ]


@register_model
class MobileSAMFamily(ModelFamily):
    name = "sam"
    family = "mobilesam"
    ort_optimizer_model_type = "vit"
    aliases = ("mobilesam",)
    variants = ("vit_t", *STUDENTS)
    default_variant = "vit_t"
    license = "Apache-2.0"
    source = "https://github.com/ChaoningZhang/MobileSAM"
    summary = "MobileSAM: TinyViT-5M image encoder + SAM prompt encoder / mask decoder (promptable segmentation)"
    recipe_keys = {
        "decoder": {"return_single_mask": bool, "fast": bool},
        # LiteRT decoder: one signature per prompt-point count N; prompt_batches B adds prompts_B_points_N
        # signatures (at batch_point_counts) for batched prompts (fixed shapes, the runtime pads)
        "litert": {"point_counts": list, "prompt_batches": list, "batch_point_counts": list},
        "labeling": {"tools": bool},  # also write the X-AnyLabeling / AnyLabeling form (ONNX pairs only)
    }

    def build(self, variant: str):
        from .model import build_mobilesam

        return build_mobilesam(variant)

    def weight_source(self, variant: str) -> WeightSource:
        if variant in STUDENTS:
            return WeightSource(filename=f"sam_{variant}.pt", unavailable=(
                f"sam/{variant} is a distillation student with no released weights: train one with "
                f"`edgevfm distill sam --student {variant} --data DIR -o RUN_DIR` and pass --weights RUN_DIR/student.pt"))
        return _SOURCE

    def load_checkpoint(self, model, path: Path, variant: str) -> None:
        from .._loading import load_state_dict_strict

        sd = torch_load(path)
        load_state_dict_strict(model, sd, source=str(path))
        model.eval()

    def load(self, variant: str, weights):
        if weights.random:
            return super().load(variant, weights)
        from .._loading import load_state_dict_strict

        sd = torch_load(weights.path)  # an unreadable file fails before the model is built
        model = self.build(variant)
        load_state_dict_strict(model, sd, source=str(weights.path))
        return model.eval()

    def components(self, model, variant: str, recipe: dict) -> list[Component]:
        import torch

        from .export import DECODER_IO, SamEncoderExport, SamOnnxDecoder, example_decoder_inputs
        from .lowres_decoder import lowres_component

        single = bool(recipe.get("decoder", {}).get("return_single_mask", False))
        fast = bool(recipe.get("decoder", {}).get("fast", True))
        return [
            Component("encoder", SamEncoderExport(model).eval(), (torch.zeros(1, 3, IMG_SIZE, IMG_SIZE),),
                      ENCODER_INPUTS, ENCODER_OUTPUTS),
            Component(
                "decoder", SamOnnxDecoder(model, return_single_mask=single, fast=fast).eval(), example_decoder_inputs(),
                DECODER_INPUTS, decoder_outputs(1 if single else 4),
                dynamic_axes=DECODER_IO["dynamic_axes"],
                dim_ranges={"num_points": (1, MAX_POINTS)},
                static_twin=lowres_component, twin_host_outputs={"masks": "sam_upscale_masks"},
            ),
        ]

    def preprocess(self, variant: str, recipe: dict) -> dict:
        """Longest side to 1024 (Pillow bilinear, kept uint8), (x - mean) / std in 0..255, zero-pad to 1024²."""
        return {"kind": "sam", "color": "RGB", "input": ENCODER_INPUTS[0].name, "input_size": [IMG_SIZE, IMG_SIZE],
                "steps": [step("resize_longest", size=IMG_SIZE, interpolation="bilinear"),
                          step("normalize", divide=1.0, mean=PIXEL_MEAN.tolist(), std=PIXEL_STD.tolist()),
                          step("pad", size=[IMG_SIZE, IMG_SIZE], value=0.0)]}

    def prompt(self, variant: str, recipe: dict) -> dict:
        return {"frame": "resized", "long_side": IMG_SIZE, "coords": "scale_per_axis", "box_labels": [2, 3],
                "padding_point": {"when": "no_box", "xy": [0, 0], "label": -1}, "mask_input_size": [256, 256]}

    def postprocess(self, model, variant: str, recipe: dict) -> dict:
        return {"mask_threshold": 0.0, "multimask_outputs": [1, 2, 3], "single_mask_output": 0,
                "upscale": {"op": "sam_upscale", "from": "low_res_masks", "resize_to": IMG_SIZE, "crop": "resized",
                            "to": "original", "interpolation": "bilinear_align_corners_false"}}

    def reference_recipe(self, recipe: dict) -> dict:
        return {**recipe, "decoder": {**recipe.get("decoder", {}), "fast": False}}

    def golden(self, model, images: list[np.ndarray], recipe: dict) -> dict[str, np.ndarray]:
        """The runtime family's prompt set with mask feedback, always from the multimask decoder."""
        from ..torch_cases import record_with_torch

        multimask = self.reference_recipe(recipe)
        multimask = {**multimask, "decoder": {**multimask["decoder"], "return_single_mask": False}}
        return record_with_torch(self.family, self.components(model, self.default_variant, multimask),
                                 self.preprocess(self.default_variant, recipe), images)

    def calibration_feeds(self, model, images: list[np.ndarray], recipe: dict, *, progress=None) -> dict:
        from .calibration import sam_calibration_feeds

        cal = recipe.get("quantize", {}).get("calibration", {})
        return sam_calibration_feeds(model, images, prompts_per_image=int(cal.get("prompts_per_image", 4)),
                                     seed=int(cal.get("seed", 0)), progress=progress)

    def extra_files(self, bundle_dir: Path, manifest: dict) -> list[str]:
        """The labeling-tool form (``labeling/``, ``xanylabeling_config.yaml``) when the recipe asks for it
        (``labeling.tools``) and the bundle is an ONNX pair with the official decoder contract."""
        recipe = manifest.get("provenance", {}).get("recipe", {})
        if not recipe.get("labeling", {}).get("tools", False):
            return []
        comps = manifest["components"]
        onnx_pair = all(comps[c]["file"].endswith(".onnx") for c in ("encoder", "decoder"))
        if not onnx_pair or "masks" not in {t["name"] for t in comps["decoder"]["outputs"]}:
            return []
        from .labeling import write_labeling_form

        return write_labeling_form(bundle_dir, manifest, f"MobileSAM ({manifest['target']['preset']})")
