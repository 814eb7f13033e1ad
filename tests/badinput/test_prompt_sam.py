"""Bad-input corpus: SAM prompts (points, labels, boxes, mask_input, flags) against a real predictor;
invalid ones fail before the decoder runs, valid edge cases give the same answer as their plain form."""
import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import InputError

H, W = 300, 451
LOW = np.zeros((1, 256, 256), np.float32)


@pytest.fixture(scope="module")
def predictor(sam_bundle):
    return rt.SamPredictor(rt.open(sam_bundle))


@pytest.fixture(scope="module")
def emb(predictor):
    return predictor.embed(np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8))


def _nan_mask():
    return np.full((1, 256, 256), np.nan, np.float32)


def _one_inf():
    m = LOW.copy()
    m[0, 3, 7] = np.inf
    return m


BAD = [
    ("mask-all-nan", {"points": [[10, 10]], "labels": [1], "mask_input": _nan_mask()}, r"mask_input contains 65536 NaN"),
    ("mask-one-inf", {"points": [[10, 10]], "labels": [1], "mask_input": _one_inf()}, r"contains 1 NaN or infinite"),
    ("mask-overflows-float32", {"box": [0, 0, 5, 5], "mask_input": np.full((256, 256), 1e300)}, "infinite"),
    ("mask-three", {"points": [[10, 10]], "labels": [1], "mask_input": np.zeros((3, 256, 256))},
     r"got shape \(3, 256, 256\); pass one of them, e.g. low_res\[scores.argmax\(\)\]\[None\]"),
    ("mask-64", {"points": [[10, 10]], "labels": [1], "mask_input": np.zeros((64, 64))}, r"1x256x256.*\(64, 64\)"),
    ("mask-bool", {"points": [[10, 10]], "labels": [1], "mask_input": np.zeros((256, 256), bool)}, "dtype bool"),
    ("no-prompt", {}, "give at least one prompt"),
    ("points-empty", {"points": [], "labels": []}, "points is empty"),
    ("points-empty-nested", {"points": [[]], "labels": []}, "points is empty"),
    ("points-nan", {"points": [[np.nan, 5]], "labels": [1]}, "points contains NaN or infinity"),
    ("points-inf", {"points": [[5, np.inf]], "labels": [1]}, "points contains NaN or infinity"),
    ("points-right-of-image", {"points": [[451.5, 10]], "labels": [1]}, r"lies outside the 451x300 image"),
    ("points-above-image", {"points": [[10, -0.1]], "labels": [1]}, r"\(10, -0.1\) lies outside"),
    ("points-ragged", {"points": [[1, 2], [3]], "labels": [1, 1]}, "points must be numeric"),
    ("points-words", {"points": [["a", "b"]], "labels": [1]}, "points must be numeric"),
    ("points-three-coords", {"points": [[1, 2, 3]], "labels": [1]}, r"shape \(N, 2\)"),
    ("labels-missing", {"points": [[1, 2]]}, "labels are required"),
    ("labels-too-many", {"points": [[1, 2]], "labels": [1, 0]}, r"1 point\(s\) but 2 label\(s\)"),
    ("labels-too-few", {"points": [[1, 2], [3, 4]], "labels": [1]}, r"2 point\(s\) but 1 label\(s\)"),
    ("label-0.7", {"points": [[1, 2]], "labels": [0.7]}, r"labels must be 0 .* exactly, got \[0.7\]"),
    ("label-2", {"points": [[1, 2]], "labels": [2]}, r"got \[2.0\]"),
    ("label-minus-1", {"points": [[1, 2]], "labels": [-1]}, r"got \[-1.0\]"),
    ("label-nan", {"points": [[1, 2]], "labels": [np.nan]}, "labels must be 0"),
    ("label-string", {"points": [[1, 2]], "labels": ["1"]}, "labels must be numbers"),
    ("label-none", {"points": [[1, 2]], "labels": [None]}, "labels must be numbers"),
    ("labels-without-points", {"labels": [1], "box": [1, 1, 5, 5]}, "labels were given without points"),
    ("box-nan", {"box": [0, 0, np.nan, 5]}, "box contains NaN"),
    ("box-three", {"box": [1, 2, 3]}, "box must be 4 numbers"),
    ("box-batch-of-3", {"box": np.zeros((2, 3))}, r"box must be 4 numbers .* shape \(2, 3\)"),
    ("box-batch-inverted", {"box": [[0, 0, 5, 5], [10, 10, 5, 50]]}, "box 1 must satisfy x0 <= x1"),
    ("box-inverted", {"box": [10, 10, 5, 50]}, "x0 <= x1"),
    ("box-outside", {"box": [0, 0, 452, 10]}, "extends outside the 451x300 image"),
    ("multimask-string", {"box": [0, 0, 5, 5], "multimask": "no"}, "multimask must be True or False"),
    ("multimask-array", {"box": [0, 0, 5, 5], "multimask": np.array([True, False])}, "multimask must be True or False"),
    ("return-logits-int", {"box": [0, 0, 5, 5], "return_logits": 1}, "return_logits must be True or False"),
]


@pytest.mark.parametrize("kwargs, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_prompts(predictor, emb, kwargs, message):
    with pytest.raises(InputError, match=message):
        predictor.predict(emb, **kwargs)


def test_embedding_must_be_an_embedding(predictor):
    with pytest.raises(InputError, match="embedding must be an ImageEmbedding from embed"):
        predictor.predict(embedding=np.zeros((1, 256, 64, 64), np.float32), points=[[1, 1]], labels=[1])


SAME = [  # (unusual but valid form, plain form): same answer
    ("labels-bool", {"points": [[100, 120]], "labels": [True]}, {"points": [[100, 120]], "labels": [1]}),
    ("labels-2d", {"points": [[100, 120]], "labels": [[1]]}, {"points": [[100, 120]], "labels": [1]}),
    ("point-flat", {"points": [100, 120], "labels": [1]}, {"points": [[100, 120]], "labels": [1]}),
    ("box-2x2", {"box": [[10, 20], [200, 250]]}, {"box": [10, 20, 200, 250]}),
    ("mask-1x1x256", {"box": [10, 20, 200, 250], "mask_input": np.ones((1, 1, 256, 256))},
     {"box": [10, 20, 200, 250], "mask_input": np.ones((256, 256), np.float32)}),
    ("numpy-bool-flag", {"box": [10, 20, 200, 250], "multimask": np.bool_(False)}, {"box": [10, 20, 200, 250], "multimask": False}),
]


@pytest.mark.parametrize("odd, plain", [c[1:] for c in SAME], ids=[c[0] for c in SAME])
def test_valid_forms_match(predictor, emb, odd, plain):
    for a, b in zip(predictor.predict(emb, **odd), predictor.predict(emb, **plain)):
        np.testing.assert_array_equal(a, b)


def test_points_on_the_border_and_mask_feedback(predictor, emb):
    masks, scores, low = predictor.predict(emb, points=[[0, 0], [W, H]], labels=[1, 0])
    assert masks.shape == (3, H, W) and scores.shape == (3,) and low.shape == (3, 256, 256)
    best = low[scores.argmax()][None]
    masks2, scores2, _ = predictor.predict(emb, points=[[0, 0]], labels=[1], mask_input=best, multimask=False)
    assert masks2.shape == (1, H, W) and np.isfinite(scores2).all()
