"""Run by tests in a torch-free subprocess: SamPredictor on a bundle vs the official golden outputs.

Usage: python golden_sam_check.py BUNDLE GOLDEN_NPZ...  → prints one JSON line of measurements.
"""
import json
import sys

import numpy as np

import edgevfm_runtime as rt
from edgevfm_runtime.parity import mask_iou
from edgevfm_runtime.sam.prompt_set import prompt_set


def unpack(z, key):
    shape = tuple(z[key + "_shape"])
    return np.unpackbits(z[key], axis=-1)[..., : shape[-1]].astype(bool).reshape(shape)


def main(bundle_path, *golden_paths):
    predictor = rt.SamPredictor(rt.open(bundle_path))
    worst = {"mask_iou": 1.0, "iou_abs": 0.0, "lowres_abs": 0.0, "lowres_rel": 0.0, "embedding_abs": 0.0}
    cases = 0
    for path in golden_paths:
        z = np.load(path)
        predictor.set_image(z["image"])
        emb = predictor.features
        worst["embedding_abs"] = max(worst["embedding_abs"], float(np.abs(emb - z["embedding"]).max()))
        h, w = z["image"].shape[:2]
        for name, p in prompt_set(h, w).items():
            for mode in ("multi", "single"):
                masks, iou, low = predictor.predict(points=p["points"], labels=p["labels"], box=p["box"],
                                                    multimask=(mode == "multi"))
                ref = unpack(z, f"{name}_{mode}_masks")
                assert masks.shape == ref.shape and masks.dtype == bool, (masks.shape, masks.dtype)
                for a, b in zip(masks, ref):
                    worst["mask_iou"] = min(worst["mask_iou"], mask_iou(a, b))
                worst["iou_abs"] = max(worst["iou_abs"], float(np.abs(iou - z[f"{name}_{mode}_iou"]).max()))
                ref_low = z[f"{name}_{mode}_lowres"]
                d = float(np.abs(low - ref_low).max())
                worst["lowres_abs"] = max(worst["lowres_abs"], d)
                worst["lowres_rel"] = max(worst["lowres_rel"], d / float(np.abs(ref_low).max()))
                cases += 1
            # mask feedback: the best multimask low-res logits go back in with the same prompt
            masks, iou, low = predictor.predict(points=p["points"], labels=p["labels"], box=p["box"])
            best = low[int(np.argmax(iou))]
            _, fiou, flow = predictor.predict(points=p["points"], labels=p["labels"], box=p["box"],
                                              mask_input=best, multimask=False)
            worst["iou_abs"] = max(worst["iou_abs"], float(np.abs(fiou - z[f"{name}_feedback_iou"]).max()))
            ref_low = z[f"{name}_feedback_lowres"]
            d = float(np.abs(flow - ref_low).max())
            worst["lowres_rel"] = max(worst["lowres_rel"], d / float(np.abs(ref_low).max()))
            cases += 1
    worst["cases"] = cases
    worst["engine"] = predictor.engine
    worst["torch_imported"] = sys.modules.get("torch") is not None
    print(json.dumps(worst))


if __name__ == "__main__":
    main(*sys.argv[1:])
