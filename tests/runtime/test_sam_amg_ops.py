"""Numpy building blocks of SamMaskGenerator: RLE (COCO-compatible), boxes, NMS, stability, grids."""
import numpy as np
import pytest

from edgevfm_runtime.sam import amg_ops as A


def _masks(n=60, seed=0):
    rng = np.random.default_rng(seed)
    for t in range(n):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        m = rng.random((h, w)) < rng.random()
        if t % 3 == 0:
            m = np.zeros((h, w), bool)
            m[rng.integers(0, h):, rng.integers(0, w):] = True
        yield m


def test_rle_roundtrip_and_area():
    for m in _masks():
        rle = A.mask_to_rle(m)
        assert rle["size"] == list(m.shape) and sum(rle["counts"]) == m.size
        assert np.array_equal(A.rle_to_mask(rle), m) and A.rle_area(rle) == int(m.sum())


def test_coco_rle_equals_pycocotools():
    mask_api = pytest.importorskip("pycocotools.mask")
    for m in _masks(200, seed=1):
        ref = mask_api.encode(np.asfortranarray(m.astype(np.uint8)))
        assert A.coco_rle(A.mask_to_rle(m)) == {"size": list(ref["size"]), "counts": ref["counts"].decode()}


def test_coco_rle_known_small_case():
    # column-major runs of this 3x2 mask: 1 zero, 2 ones, 3 zeros (no deltas before the fourth count)
    m = np.array([[0, 0], [1, 0], [1, 0]], bool)
    assert A.mask_to_rle(m)["counts"] == [1, 2, 3]
    assert A.coco_rle(A.mask_to_rle(m))["counts"] == "123"


def test_masks_to_boxes_inclusive_and_empty():
    m = np.zeros((3, 10, 12), bool)
    m[0, 2:5, 3:9] = True
    m[2, 9, 11] = True
    assert A.masks_to_boxes(m).tolist() == [[3, 2, 8, 4], [0, 0, 0, 0], [11, 9, 11, 9]]


def test_nms_drops_overlaps_above_threshold_only():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [0, 0, 10, 5]])
    scores = np.array([0.5, 0.9, 0.3, 0.8])
    assert A.nms(boxes, scores, 0.7).tolist() == [1, 3, 2]  # box 0 overlaps box 1 at IoU 0.81
    assert A.nms(boxes, scores, 1.0).tolist() == [1, 3, 0, 2]


def test_stability_score_and_grid():
    logits = np.array([[[2.0, 0.5], [-0.5, -2.0]]])
    assert A.stability_score(logits, 0.0, 1.0).tolist() == [pytest.approx(1 / 3)]
    g = A.point_grid(2)
    assert g.tolist() == [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
    boxes, layers = A.crop_boxes((100, 200), 1, 512 / 1500)
    assert boxes[0] == [0, 0, 200, 100] and layers == [0, 1, 1, 1, 1] and len(boxes) == 5
