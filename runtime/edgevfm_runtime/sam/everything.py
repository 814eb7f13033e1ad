"""SamMaskGenerator: "segment everything" on a bundle, numpy only — the official
``SamAutomaticMaskGenerator`` (point grid, batched decoding, predicted-IoU and stability filters, box
NMS, optional crops, small-region removal) with its parameter names and output records."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..image import ImageLike, load_rgb
from . import amg_ops as A
from .predictor import MASK_THRESHOLD, SamPredictor

OUTPUT_MODES = ("binary_mask", "uncompressed_rle", "coco_rle")


class SamMaskGenerator:
    """``generate(image)`` → list of records {segmentation, area, bbox (XYWH), predicted_iou,
    point_coords, stability_score, crop_box (XYWH)}, as the official generator returns them."""

    def __init__(self, predictor: SamPredictor, points_per_side: int | None = 32, points_per_batch: int = 64,
                 pred_iou_thresh: float = 0.88, stability_score_thresh: float = 0.95,
                 stability_score_offset: float = 1.0, box_nms_thresh: float = 0.7, crop_n_layers: int = 0,
                 crop_nms_thresh: float = 0.7, crop_overlap_ratio: float = 512 / 1500,
                 crop_n_points_downscale_factor: int = 1, point_grids: list[np.ndarray] | None = None,
                 min_mask_region_area: int = 0, output_mode: str = "binary_mask"):
        if (points_per_side is None) == (point_grids is None):
            raise InputError("give exactly one of points_per_side or point_grids")
        if output_mode not in OUTPUT_MODES:
            raise InputError(f"output_mode must be one of {OUTPUT_MODES}, got {output_mode!r}")
        if int(points_per_batch) < 1:
            raise InputError(f"points_per_batch must be >= 1, got {points_per_batch}")
        self.predictor = predictor
        self.point_grids = (A.layer_point_grids(points_per_side, crop_n_layers, crop_n_points_downscale_factor)
                            if point_grids is None else [np.asarray(g, np.float64) for g in point_grids])
        if len(self.point_grids) != crop_n_layers + 1:
            raise InputError(f"point_grids needs one grid per crop layer ({crop_n_layers + 1}), got {len(self.point_grids)}")
        self.points_per_batch = int(points_per_batch)
        self.pred_iou_thresh = pred_iou_thresh
        self.stability_score_thresh = stability_score_thresh
        self.stability_score_offset = stability_score_offset
        self.box_nms_thresh = box_nms_thresh
        self.crop_n_layers = crop_n_layers
        self.crop_nms_thresh = crop_nms_thresh
        self.crop_overlap_ratio = crop_overlap_ratio
        self.crop_n_points_downscale_factor = crop_n_points_downscale_factor
        self.min_mask_region_area = min_mask_region_area
        self.output_mode = output_mode

    def generate(self, image: ImageLike) -> list[dict]:
        rgb = load_rgb(image)
        data = self._generate(rgb)
        if self.min_mask_region_area > 0:
            data = self._small_regions(data, max(self.box_nms_thresh, self.crop_nms_thresh))
        records = []
        for i, rle in enumerate(data["rles"]):
            seg = {"binary_mask": A.rle_to_mask, "coco_rle": A.coco_rle, "uncompressed_rle": lambda r: r}[self.output_mode](rle)
            x0, y0, x1, y1 = (float(v) for v in data["boxes"][i])
            cx0, cy0, cx1, cy1 = (float(v) for v in data["crop_boxes"][i])
            records.append({
                "segmentation": seg, "area": A.rle_area(rle), "bbox": [x0, y0, x1 - x0, y1 - y0],
                "predicted_iou": float(data["iou_preds"][i]), "point_coords": [data["points"][i].tolist()],
                "stability_score": float(data["stability_score"][i]), "crop_box": [cx0, cy0, cx1 - cx0, cy1 - cy0],
            })
        return records

    # --- internals -------------------------------------------------------------------------------------
    def _generate(self, rgb: np.ndarray) -> dict:
        h, w = rgb.shape[:2]
        crops, layers = A.crop_boxes((h, w), self.crop_n_layers, self.crop_overlap_ratio)
        parts = [self._crop(rgb, box, layer) for box, layer in zip(crops, layers)]
        data = _cat(parts)
        if len(crops) > 1 and len(data["rles"]):
            keep = A.nms(data["boxes"], 1 / A.box_area(data["crop_boxes"]), self.crop_nms_thresh)
            data = _take(data, keep)
        return data

    def _crop(self, rgb: np.ndarray, crop_box: list[int], layer: int) -> dict:
        x0, y0, x1, y1 = crop_box
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        ch, cw = crop.shape[:2]
        emb = self.predictor.embed(crop)
        points = self.point_grids[layer] * np.array([[cw, ch]])
        parts = [self._batch(emb, points[i:i + self.points_per_batch], crop_box, rgb.shape[:2])
                 for i in range(0, len(points), self.points_per_batch)]
        data = _cat(parts)
        if len(data["rles"]):
            data = _take(data, A.nms(data["boxes"], data["iou_preds"], self.box_nms_thresh))
        data["boxes"] = data["boxes"] + np.array([x0, y0, x0, y0])
        data["points"] = data["points"] + np.array([x0, y0])
        data["crop_boxes"] = np.tile(np.array([crop_box]), (len(data["rles"]), 1))
        return data

    def _batch(self, emb, points: np.ndarray, crop_box: list[int], orig_size: tuple[int, int]) -> dict:
        logits, iou, _ = self.predictor.predict(emb, points=points[:, None, :], labels=np.ones((len(points), 1)),
                                                multimask=True, return_logits=True)
        c = logits.shape[1]
        logits, iou = logits.reshape(-1, *logits.shape[2:]), iou.reshape(-1)
        pts = np.repeat(points, c, axis=0)
        keep = iou > self.pred_iou_thresh if self.pred_iou_thresh > 0 else np.ones(len(iou), bool)
        logits, iou, pts = logits[keep], iou[keep], pts[keep]
        stab = A.stability_score(logits, MASK_THRESHOLD, self.stability_score_offset)
        if self.stability_score_thresh > 0:
            keep = stab >= self.stability_score_thresh
            logits, iou, pts, stab = logits[keep], iou[keep], pts[keep], stab[keep]
        masks = logits > MASK_THRESHOLD
        boxes = A.masks_to_boxes(masks)
        oh, ow = orig_size
        keep = ~A.near_crop_edge(boxes, crop_box, [0, 0, ow, oh])
        masks, iou, pts, stab, boxes = masks[keep], iou[keep], pts[keep], stab[keep], boxes[keep]
        x0, y0, x1, y1 = crop_box
        rles = [A.mask_to_rle(_uncrop(m, x0, y0, oh, ow)) for m in masks]
        return {"rles": rles, "iou_preds": iou, "points": pts, "stability_score": stab, "boxes": boxes}

    def _small_regions(self, data: dict, nms_thresh: float) -> dict:
        if not len(data["rles"]):
            return data
        masks, scores = [], []
        for rle in data["rles"]:
            m = A.rle_to_mask(rle)
            m, holes = A.remove_small_regions(m, self.min_mask_region_area, "holes")
            m, islands = A.remove_small_regions(m, self.min_mask_region_area, "islands")
            masks.append(m)
            scores.append(float(not (holes or islands)))
        masks = np.stack(masks)
        boxes = A.masks_to_boxes(masks)
        keep = A.nms(boxes, np.array(scores), nms_thresh)
        data = {**data, "rles": list(data["rles"]), "boxes": np.array(data["boxes"])}
        for i in keep:
            if scores[i] == 0.0:  # changed masks get a new RLE and box
                data["rles"][i] = A.mask_to_rle(masks[i])
                data["boxes"][i] = boxes[i]
        return _take(data, keep)


def _uncrop(mask: np.ndarray, x0: int, y0: int, h: int, w: int) -> np.ndarray:
    if (x0, y0) == (0, 0) and mask.shape == (h, w):
        return mask
    out = np.zeros((h, w), bool)
    out[y0:y0 + mask.shape[0], x0:x0 + mask.shape[1]] = mask
    return out


def _take(data: dict, idx) -> dict:
    idx = np.asarray(idx)
    return {k: ([v[i] for i in idx] if isinstance(v, list) else v[idx]) for k, v in data.items()}


def _cat(parts: list[dict]) -> dict:
    parts = [p for p in parts if p]
    if not parts:
        return {"rles": [], "iou_preds": np.zeros(0, np.float32), "points": np.zeros((0, 2)),
                "stability_score": np.zeros(0, np.float32), "boxes": np.zeros((0, 4), np.int64)}
    out = {}
    for k in parts[0]:
        vals = [p[k] for p in parts]
        out[k] = sum(vals, []) if isinstance(vals[0], list) else np.concatenate(vals)
    return out
