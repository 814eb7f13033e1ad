"""Batched prompts through SamPredictor (official predict_torch semantics in numpy) and the batch plan."""
import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import InputError
from edgevfm_runtime.sam.batch_plan import BatchPlan, plan_for, run_batched


@pytest.fixture(scope="module")
def predictor(sam_bundle):
    p = rt.SamPredictor(rt.open(sam_bundle))
    p.set_image(np.random.default_rng(0).integers(0, 255, (300, 451, 3), dtype=np.uint8))
    return p


def _boxes(k, seed=0):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, 200, k), rng.uniform(0, 140, k)
    return np.stack([x0, y0, x0 + rng.uniform(5, 250, k), y0 + rng.uniform(5, 150, k)], 1)


def test_boxes_batch_equals_single_calls(predictor):
    boxes = _boxes(6)
    masks, scores, low = predictor.predict(box=boxes)
    assert masks.shape == (6, 3, 300, 451) and scores.shape == (6, 3) and low.shape == (6, 3, 256, 256)
    for k, b in enumerate(boxes):
        m1, s1, l1 = predictor.predict(box=b)
        assert np.array_equal(m1, masks[k])
        np.testing.assert_allclose(s1, scores[k], atol=1e-5)
        np.testing.assert_allclose(l1, low[k], atol=1e-4)


def test_points_batch_single_mask_and_mask_input(predictor):
    rng = np.random.default_rng(1)
    pts, labels = rng.uniform(0, 299, (4, 3, 2)), rng.integers(0, 2, (4, 3))
    masks, scores, low = predictor.predict(points=pts, labels=labels, multimask=False)
    assert masks.shape == (4, 1, 300, 451)
    fb, _, _ = predictor.predict(points=pts, labels=labels, mask_input=low, multimask=False, return_logits=True)
    for k in range(4):
        one, _, _ = predictor.predict(points=pts[k], labels=labels[k], mask_input=low[k], multimask=False,
                                      return_logits=True)
        np.testing.assert_allclose(one, fb[k], atol=1e-3)


def test_points_and_boxes_together(predictor):
    boxes = _boxes(3, seed=2)
    centres = ((boxes[:, :2] + boxes[:, 2:]) / 2)[:, None]
    masks, _, _ = predictor.predict(points=centres, labels=np.ones((3, 1)), box=boxes)
    one, _, _ = predictor.predict(points=centres[1], labels=[1], box=boxes[1])
    assert np.array_equal(one, masks[1])


@pytest.mark.parametrize("kwargs, message", [
    ({"box": np.zeros((0, 4))}, r"shape \(K, 4\)"),
    ({"box": [[10, 10, 5, 20]]}, "box 0 must satisfy"),
    ({"box": [[0, 0, 10, 10], [0, 0, 500, 10]]}, "box 1 extends outside"),
    ({"points": np.ones((2, 1, 2)), "labels": np.ones((2, 2))}, r"labels must be numbers of shape \(2, 1\)"),
    ({"points": np.ones((2, 1, 2)), "labels": np.ones((2, 1)), "box": _boxes(3)}, "same number of prompts"),
    ({"box": _boxes(2), "mask_input": np.zeros((1, 1, 256, 256))}, r"\(2, 1, 256, 256\)"),
])
def test_batch_errors(predictor, kwargs, message):
    with pytest.raises(InputError, match=message):
        predictor.predict(**kwargs)


def test_plan_chunks_and_padding():
    assert BatchPlan(64).chunks(150) == [(64, 64), (64, 64), (22, 22)]
    fixed = BatchPlan(16, (1, 16))
    assert fixed.chunks(35) == [(16, 16), (16, 16), (1, 1), (1, 1), (1, 1)]
    assert fixed.chunks(9) == [(9, 16)]  # padded: wastes less than half the call
    assert BatchPlan(1, (1,)).chunks(3) == [(1, 1)] * 3


def test_plan_from_manifest_and_profile(sam_bundle):
    b = rt.open(sam_bundle)
    comp = b.components["decoder"]
    assert plan_for(comp, {}, object(), 2) == BatchPlan(64)
    prof = {"build": {"profiles": {"point_coords": {"min": [1, 1, 2], "opt": [1, 2, 2], "max": [8, 18, 2]}}}}
    assert plan_for(comp, prof, object(), 2) == BatchPlan(8)
    legacy = {"inputs": [{"name": "point_coords", "shape": [1, "num_points", 2]}]}
    assert plan_for(legacy, {}, object(), 2) == BatchPlan(1, (1,))


def test_run_batched_pads_and_drops_padding():
    class Fixed:  # a batch-4-only "engine": refuses any other batch
        input_names = ["point_coords"]

        def run(self, feed):
            assert len(feed["point_coords"]) == 4 and len(feed["mask_input"]) == 4
            return {"iou_predictions": feed["point_coords"][:, :, 0] * 2}

    k = 3
    feed = {"point_coords": np.arange(k * 2 * 2, dtype=np.float32).reshape(k, 2, 2),
            "point_labels": np.ones((k, 2), np.float32), "mask_input": np.zeros((k, 1, 256, 256), np.float32),
            "has_mask_input": np.zeros(k, np.float32), "image_embeddings": np.zeros((1, 256, 64, 64), np.float32)}
    out = run_batched(Fixed(), feed, BatchPlan(4, (4,)))
    np.testing.assert_array_equal(out["iou_predictions"], feed["point_coords"][:, :, 0] * 2)
