"""The runtime's SamMaskGenerator (numpy, batched decoder calls on an onnx-fp32 bundle) against the
official ``SamAutomaticMaskGenerator`` on the reference checkpoint with the x2 encoder gain (so the
embedding depends on the photo): the same number of masks, each official mask matched at IoU >= 0.99,
with filters and NMS off, and on (crops included)."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import edgevfm_runtime as rt
from edgevfm_runtime.sam.everything import SamMaskGenerator

from reference import photos, sam as ref  # noqa: E402
from reference.shims import import_official  # noqa: E402


def _box_area(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _batched_nms(boxes, scores, idxs, iou_threshold):
    """Stands in for torchvision's batched_nms (not installable here) as the official generator calls it:
    a single category; greedy by decreasing score, dropping boxes whose IoU with a kept one is > threshold."""
    assert torch.all(idxs == idxs[0]) if len(idxs) else True
    order = torch.argsort(scores, descending=True, stable=True)
    keep, dead = [], torch.zeros(len(boxes), dtype=torch.bool)
    area = _box_area(boxes)
    for i in order.tolist():
        if dead[i]:
            continue
        keep.append(i)
        lt = torch.maximum(boxes[i, :2], boxes[:, :2])
        rb = torch.minimum(boxes[i, 2:], boxes[:, 2:])
        inter = (rb - lt).clamp(min=0).prod(dim=1)
        dead |= inter / (area[i] + area - inter) > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(official SamPredictor, our SamPredictor on an onnx-fp32 bundle) with the same weights."""
    from edgevfm.export.pipeline import export

    sd = ref.state_dict()  # the golden checkpoint's weights with the encoder matrices x2
    tmp = tmp_path_factory.mktemp("everything")
    torch.save(sd, tmp / "mobilesam_gain2.pt")
    export("sam", target="onnx-fp32", weights=str(tmp / "mobilesam_gain2.pt"), output=tmp / "bundle",
           emit=lambda s: None)
    ms = import_official("mobile_sam", "utils.onnx")
    return ms, ms.SamPredictor(ref.build(sd)), rt.SamPredictor(rt.open(tmp / "bundle"))


def _official(models, monkeypatch, image, **kw):
    ms, predictor, _ = models
    amg = sys.modules["mobile_sam.automatic_mask_generator"]
    monkeypatch.setattr(amg, "batched_nms", _batched_nms)
    monkeypatch.setattr(amg, "box_area", _box_area)
    with torch.no_grad():
        return ms.SamAutomaticMaskGenerator(predictor.model, **kw).generate(image)


def _iou(a, b) -> float:
    u = np.logical_or(a, b).sum()
    return 1.0 if u == 0 else float(np.logical_and(a, b).sum() / u)


def _assert_matched(theirs: list[dict], ours: list[dict]) -> list[float]:
    assert len(ours) == len(theirs)
    free = list(range(len(ours)))
    ious = []
    for t in theirs:  # greedy one-to-one matching, each official mask to its best unmatched one of ours
        scores = [_iou(t["segmentation"], ours[j]["segmentation"]) for j in free]
        best = int(np.argmax(scores))
        ious.append(scores[best])
        free.pop(best)
    assert min(ious) >= 0.99, sorted(ious)[:5]
    return ious


# 4x4 keeps the suite short (each side runs 1 + 4 crop encoders); 8x8 agreed as well (192 masks each side).
GRID = {"points_per_side": 4, "points_per_batch": 8}
OFF = {"pred_iou_thresh": 0.0, "stability_score_thresh": 0.0, "box_nms_thresh": 1.0}


def test_everything_matches_official_filters_off(models, monkeypatch):
    image = photos.chelsea()
    theirs = _official(models, monkeypatch, image, **GRID, **OFF)
    ours = SamMaskGenerator(models[2], **GRID, **OFF).generate(image)
    assert len(theirs) == 3 * GRID["points_per_side"] ** 2  # nothing filtered: 3 masks per grid point
    _assert_matched(theirs, ours)
    keys = {"segmentation", "area", "bbox", "predicted_iou", "point_coords", "stability_score", "crop_box"}
    assert set(ours[0]) == keys == set(theirs[0])


def test_everything_matches_official_filters_nms_crops_on(models, monkeypatch):
    image = photos.chelsea()
    everything = _official(models, monkeypatch, image, **GRID, **OFF)
    # thresholds from the unfiltered run, so that each filter removes some masks and keeps some
    kw = {**GRID, "pred_iou_thresh": float(np.quantile([r["predicted_iou"] for r in everything], 0.3)),
          "stability_score_thresh": float(np.quantile([r["stability_score"] for r in everything], 0.3)),
          "box_nms_thresh": 0.7, "crop_n_layers": 1, "crop_nms_thresh": 0.7}
    theirs = _official(models, monkeypatch, image, **kw)
    ours = SamMaskGenerator(models[2], **kw).generate(image)
    assert 0 < len(theirs) < len(everything)
    _assert_matched(theirs, ours)
    assert {tuple(r["crop_box"]) for r in ours} == {tuple(r["crop_box"]) for r in theirs}


def test_everything_matches_official_min_mask_region_area(models, monkeypatch):
    """Small-region removal (holes filled, islands dropped, changed masks re-boxed, NMS preferring
    unchanged masks) as the official postprocess_small_regions does it with cv2."""
    pytest.importorskip("cv2", reason="the official small-region removal needs opencv-python-headless (test extra)")
    image = photos.chelsea()
    kw = {**GRID, **OFF, "min_mask_region_area": 400}
    theirs = _official(models, monkeypatch, image, **kw)
    ours = SamMaskGenerator(models[2], **kw).generate(image)
    plain = SamMaskGenerator(models[2], **GRID, **OFF).generate(image)
    changed = sum(not any(np.array_equal(r["segmentation"], p["segmentation"]) for p in plain) for r in ours)
    assert changed > 0  # the threshold did change some masks, so the comparison covers the removal
    _assert_matched(theirs, ours)
    assert sorted(r["bbox"] for r in ours) == sorted(r["bbox"] for r in theirs)
