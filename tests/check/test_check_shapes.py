"""An engine output of the wrong shape is measured as a failing row that names both shapes, and every
other output keeps its numbers (a plain SAM export in OpenVINO returns masks one pixel too wide)."""
import numpy as np

from edgevfm_runtime import golden as G
from edgevfm_runtime.check import _compare, _merge


def test_wrong_mask_and_tensor_shapes_are_rows_not_exceptions():
    rng = np.random.default_rng(0)
    mask = rng.random((1, 2, 6, 9)) > 0.5
    bits, shape = G.pack_mask(mask)
    emb = rng.standard_normal((1, 4, 3)).astype(np.float32)
    expected = {"masks_bits": bits, "masks_bits_shape": shape, "emb": emb, "iou": np.ones((1, 2), np.float32)}
    got = {"masks": np.ones((1, 2, 6, 10), np.float32), "emb": emb, "iou": np.ones((1, 3), np.float32)}
    rows = _compare(expected, got)
    assert rows["masks"] == {"shape": "(1, 2, 6, 10), expected (1, 2, 6, 9)"}
    assert rows["iou"] == {"shape": "(1, 3), expected (1, 2)"}
    assert rows["emb"]["sqnr_db"] == float("inf")
    # right shape: a mask IoU, as before
    assert _compare(expected, {**got, "masks": np.where(mask, 1.0, -1.0), "iou": expected["iou"]})["masks"] == {"mask_iou": 1.0}
    # over several cases the shape row is kept beside the numbers of the cases that had them
    merged = _merge(_merge({}, {"mask_iou": 0.9}), rows["masks"])
    assert merged == {"mask_iou": 0.9, "shape": "(1, 2, 6, 10), expected (1, 2, 6, 9)"}
