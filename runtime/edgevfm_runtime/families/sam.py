"""MobileSAM: image encoder -> prompt decoder. The case set is the prompt set per photo with mask
feedback; the task metric is the mask IoU from the engine's own embedding."""
from __future__ import annotations

import numpy as np

from .. import golden as G
from . import register_family
from .base import HostOp, RuntimeFamily

# The decoder outputs a case stores: logits as they are, the upscaled masks thresholded and bit-packed.
_DECODER_LIKE = {"iou_predictions": 0, "low_res_masks": 0, "masks_bits": 0}


def _upscale_masks(out: dict, feed) -> np.ndarray:
    from ..sam.upscale import upscale_masks

    return upscale_masks(out["low_res_masks"], feed["orig_im_size"])


@register_family
class SamFamily(RuntimeFamily):
    name = "mobilesam"
    chain = {("decoder", "image_embeddings"): ("encoder", "image_embeddings")}
    run_output_suffix = ".png"
    run_example = " --point X,Y -o mask.png"
    # the masks at the photo's size, from the low-res logits of the static-shape decoder twin
    host_ops = {"sam_upscale_masks": HostOp(("orig_im_size",), ("low_res_masks",), _upscale_masks)}
    workload_kinds = {"batch": "batch_workload"}  # K prompts per call vs K calls, segment everything
    task_metric_info = {"mask_iou": (True, "SAM: worst intersection-over-union of thresholded masks over the prompt set")}

    def record(self, source, images, run, base) -> dict:
        from ..sam.prompt_set import prompt_set
        from ..sam.prompts import decoder_feed

        out: dict[str, np.ndarray] = {}
        for i, rgb in enumerate(images):
            case = str(i)
            enc_io = {"src": {"image": rgb}, "in": {}, "out": {}}
            emb = run("encoder", self.feed(source, "encoder", enc_io))
            G.copy_inputs(out, "encoder", case, enc_io)
            G.store_outputs(out, "encoder", case, emb, None)
            h, w = rgb.shape[:2]
            for name, p in prompt_set(h, w).items():
                feed = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"], mask_input=None,
                                    image_size=(h, w))
                res = self._decode(run, out, f"{case}.{name}", feed, emb)
                if name == "point":  # mask feedback: best multimask low-res logits as mask_input
                    best = 1 + int(np.argmax(res["iou_predictions"][0, 1:]))
                    fb = decoder_feed(points=p["points"], labels=p["labels"], box=p["box"],
                                      mask_input=res["low_res_masks"][0, best], image_size=(h, w))
                    self._decode(run, out, f"{case}.{name}_feedback", fb, emb)
        return out

    @staticmethod
    def _decode(run, out: dict, case: str, feed: dict, emb: dict) -> dict:
        res = run("decoder", {**feed, "image_embeddings": emb["image_embeddings"]})
        G.copy_inputs(out, "decoder", case, {"src": {}, "in": feed})
        G.store_outputs(out, "decoder", case, res, _DECODER_LIKE)
        return res

    def task_metrics(self, ctx) -> dict:
        """Decoder fed with the engine's own embedding; worst mask IoU over the prompt set."""
        from ..parity import mask_iou

        if not {"encoder", "decoder"} <= set(ctx.sessions):
            return {}
        dec = ctx.sessions["decoder"]
        worst = 1.0
        for case, io in ctx.cases["decoder"].items():
            if "masks_bits" not in io["out"]:
                continue
            upstream = ctx.outputs[("encoder", case.split(".")[0])]
            feed = self.feed(ctx.bundle, "decoder", io, upstream)
            got = dec.run({k: feed[k] for k in dec.input_names})
            ref = G.unpack_mask(io["out"]["masks_bits"], io["out"]["masks_bits_shape"])
            flat = ref.reshape(-1, *ref.shape[-2:])
            worst = min([worst, *(mask_iou(r, o) for r, o in zip(flat, (got["masks"] > 0).reshape(flat.shape)))])
        return {"mask_iou": worst}

    def run(self, bundle, args, *, emit=print) -> dict:
        from ..apps.sam_app import run_sam

        return run_sam(bundle, args, emit=emit)

    def workload(self, source, image, **options):
        from ..bench.workloads import Workload
        from ..sam import SamPredictor
        from ..sam.prompt_set import prompt_set

        p = SamPredictor(source, **options)
        click = prompt_set(*image.shape[:2])["point"]
        steps = {"set_image": lambda: p.set_image(image),
                 "predict": lambda: p.predict(points=click["points"], labels=click["labels"], multimask=True)}
        return Workload(steps, headline="pipeline", engine=p.engine, pipeline=("set_image", "predict"))

    def batch_workload(self, source, image, **options):
        from ..sam.bench_batch import batch_workload

        return batch_workload(source, image, **options)
