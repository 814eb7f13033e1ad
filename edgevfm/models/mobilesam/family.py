"""MobileSAM as the toolkit sees it: weights, components (encoder, decoder), golden data."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from edgevfm_runtime import golden as G
from edgevfm_runtime.sam.prompt_set import prompt_set
from edgevfm_runtime.sam.prompts import decoder_feed
from edgevfm_runtime.sam.transforms import IMG_SIZE, PIXEL_MEAN, PIXEL_STD, encoder_input

from ...weights import WeightSource, torch_load
from .._loading import load_state_dict_strict
from ..spec import Component, ModelFamily, TensorSpec, register_model
from .encoders import STUDENTS

# No checksum is published with the release, so the file's sha256 is recorded, not verified.
_SOURCE = WeightSource(
    filename="mobile_sam.pt",
    urls=("https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",),
    hf_repo="dhkim2810/MobileSAM",
    hf_filename="mobile_sam.pt",
)

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
    aliases = ("mobilesam",)
    variants = ("vit_t", *STUDENTS)
    default_variant = "vit_t"
    license = "Apache-2.0"
    source = "https://github.com/ChaoningZhang/MobileSAM"
    summary = "MobileSAM: TinyViT-5M image encoder + SAM prompt encoder / mask decoder (promptable segmentation)"

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
        sd = torch_load(path)
        load_state_dict_strict(model, sd, source=str(path))
        model.eval()

    def load(self, variant: str, weights):
        if weights.random:
            return super().load(variant, weights)
        sd = torch_load(weights.path)  # an unreadable file fails before the model is built
        model = self.build(variant)
        load_state_dict_strict(model, sd, source=str(weights.path))
        return model.eval()

    def components(self, model, variant: str, recipe: dict) -> list[Component]:
        from .export import DECODER_IO, SamEncoderExport, SamOnnxDecoder, example_decoder_inputs

        single = bool(recipe.get("decoder", {}).get("return_single_mask", False))
        return [
            Component("encoder", SamEncoderExport(model).eval(), (torch.zeros(1, 3, IMG_SIZE, IMG_SIZE),),
                      ENCODER_INPUTS, ENCODER_OUTPUTS),
            Component(
                "decoder", SamOnnxDecoder(model, return_single_mask=single).eval(), example_decoder_inputs(),
                DECODER_INPUTS, decoder_outputs(1 if single else 4),
                dynamic_axes=DECODER_IO["dynamic_axes"],
            ),
        ]

    def preprocess(self, variant: str, recipe: dict) -> dict:
        return {
            "kind": "sam_resize_longest", "input_size": IMG_SIZE, "resample": "PIL.BILINEAR",
            "pixel_mean": PIXEL_MEAN.tolist(), "pixel_std": PIXEL_STD.tolist(), "pad": "bottom-right zeros after normalisation",
            "color": "RGB", "coords": "x·(neww/w), y·(newh/h) into the 1024 frame",
        }

    def postprocess(self, model, variant: str, recipe: dict) -> dict:
        return {"mask_threshold": 0.0, "multimask_tokens": [1, 2, 3], "single_mask_token": 0,
                "padding_point": "append (0,0) label -1 when no box", "box_labels": [2, 3]}

    @torch.no_grad()
    def golden(self, model, images: list[np.ndarray], recipe: dict) -> dict[str, np.ndarray]:
        from .export import SamEncoderExport, SamOnnxDecoder

        enc, dec = SamEncoderExport(model).eval(), SamOnnxDecoder(model).eval()
        out: dict[str, np.ndarray] = {}
        for i, rgb in enumerate(images):
            case = str(i)
            x, _ = encoder_input(rgb)
            emb = enc(torch.from_numpy(x))
            out[G.key("encoder", case, "src", "image")] = rgb
            out[G.key("encoder", case, "out", "image_embeddings")] = emb.numpy()
            h, w = rgb.shape[:2]
            for name, p in prompt_set(h, w).items():
                feed = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"], mask_input=None,
                                    image_size=(h, w))
                res = self._decode(dec, emb, feed)
                self._store(out, f"{case}.{name}", feed, res)
                if name == "point":  # mask feedback: best multimask low-res logits as mask_input
                    best = 1 + int(np.argmax(res["iou_predictions"][0, 1:]))
                    fb = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"],
                                      mask_input=res["low_res_masks"][0, best], image_size=(h, w))
                    self._store(out, f"{case}.{name}_feedback", fb, self._decode(dec, emb, fb))
        return out

    @staticmethod
    def _decode(dec, emb, feed) -> dict[str, np.ndarray]:
        args = [emb] + [torch.from_numpy(feed[k]) for k in
                        ("point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size")]
        masks, iou, low = dec(*args)
        return {"masks": masks.numpy(), "iou_predictions": iou.numpy(), "low_res_masks": low.numpy()}

    @staticmethod
    def _store(out: dict, case: str, feed: dict, res: dict) -> None:
        for k, v in feed.items():
            out[G.key("decoder", case, "in", k)] = v
        out[G.key("decoder", case, "out", "iou_predictions")] = res["iou_predictions"]
        out[G.key("decoder", case, "out", "low_res_masks")] = res["low_res_masks"]
        bits, shape = G.pack_mask(res["masks"] > 0)
        out[G.key("decoder", case, "out", "masks_bits")] = bits
        out[G.key("decoder", case, "out", "masks_bits_shape")] = shape

    def calibration_feeds(self, model, images: list[np.ndarray], recipe: dict, *, progress=None) -> dict:
        from .calibration import sam_calibration_feeds

        cal = recipe.get("quantize", {}).get("calibration", {})
        return sam_calibration_feeds(model, images, prompts_per_image=int(cal.get("prompts_per_image", 4)),
                                     seed=int(cal.get("seed", 0)), progress=progress)

    def extra_files(self, bundle_dir: Path, manifest: dict) -> list[str]:
        """X-AnyLabeling model config, so the ONNX pair loads in the labeling tools."""
        comps = manifest["components"]
        onnx_pair = all(comps[c]["file"].endswith(".onnx") for c in ("encoder", "decoder"))
        # The labeling tools need the official decoder contract, upscaled `masks` output included.
        if not onnx_pair or "masks" not in {t["name"] for t in comps["decoder"]["outputs"]}:
            return []
        import yaml

        name = f"{manifest['model']['name']}-{manifest['model']['variant']}-{manifest['target']['preset']}"
        cfg = {
            "type": "segment_anything", "name": name, "display_name": f"MobileSAM ({manifest['target']['preset']})",
            "encoder_model_path": comps["encoder"]["file"], "decoder_model_path": comps["decoder"]["file"],
            "input_size": IMG_SIZE, "max_width": IMG_SIZE, "max_height": IMG_SIZE,
        }
        (bundle_dir / "xanylabeling_config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        return ["xanylabeling_config.yaml"]
