"""SamPredictor input handling (prompts, order of calls) and the official pre-processing."""
import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import BundleError, InputError
from edgevfm_runtime.sam.prompts import decoder_feed
from edgevfm_runtime.sam.transforms import apply_coords, encoder_input, preprocess_shape


@pytest.fixture(scope="module")
def predictor(sam_bundle):
    p = rt.SamPredictor(rt.open(sam_bundle))
    p.set_image(np.random.default_rng(0).integers(0, 255, (300, 451, 3), dtype=np.uint8))
    return p


def test_preprocess_matches_golden(golden_dir):
    z = np.load(golden_dir / "mobilesam_chelsea.npz")
    x, size = encoder_input(z["image"])
    assert size == tuple(z["input_size"])
    assert x.shape == (1, 3, 1024, 1024) and x.dtype == np.float32
    checksum = [float(x.astype(np.float64).sum()), float(np.abs(x.astype(np.float64)).sum())]
    np.testing.assert_allclose(checksum, z["encoder_input_checksum"], rtol=1e-6)


def test_preprocess_shape_rounding():
    assert preprocess_shape(300, 451) == (681, 1024)
    assert preprocess_shape(512, 300) == (1024, 600)


def test_decoder_feed_padding_and_box():
    f = decoder_feed(points=[[10, 20]], labels=[1], box=None, mask_input=None, image_size=(100, 200))
    assert f["point_labels"].tolist() == [[1, -1]] and f["point_coords"].shape == (1, 2, 2)
    np.testing.assert_allclose(f["point_coords"][0, 0], apply_coords(np.array([10, 20]), (100, 200)))
    f = decoder_feed(points=[[10, 20]], labels=[0], box=[0, 0, 50, 60], mask_input=None, image_size=(100, 200))
    assert f["point_labels"].tolist() == [[0, 2, 3]]
    assert f["has_mask_input"].tolist() == [0.0] and f["orig_im_size"].tolist() == [100.0, 200.0]
    f = decoder_feed(points=None, labels=None, box=[0, 0, 50, 60], mask_input=np.zeros((1, 256, 256)),
                     image_size=(100, 200))
    assert f["point_labels"].tolist() == [[2, 3]] and f["has_mask_input"].tolist() == [1.0]


def test_predict_shapes(predictor):
    masks, scores, low = predictor.predict(points=[[100, 100]], labels=[1])
    assert masks.shape == (3, 300, 451) and masks.dtype == bool
    assert scores.shape == (3,) and low.shape == (3, 256, 256)
    masks, scores, low = predictor.predict(box=[10, 10, 200, 250], multimask=False)
    assert masks.shape == (1, 300, 451) and scores.shape == (1,)
    logits, _, _ = predictor.predict(points=[[5, 5]], labels=[1], return_logits=True)
    assert logits.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "at least one prompt"),
        ({"points": [[500, 10]], "labels": [1]}, r"point \(500, 10\) lies outside the 451x300 image"),
        ({"points": [[1, 2, 3]], "labels": [1]}, r"points must have shape \(N, 2\)"),
        ({"points": [[1, 2]], "labels": [1, 1]}, r"1 point\(s\) but 2 label\(s\)"),
        ({"points": [[1, 2]]}, "labels are required"),
        ({"points": [[1, 2]], "labels": [5]}, "labels must be 0"),
        ({"points": [[np.nan, 2]], "labels": [1]}, "NaN"),
        ({"box": [10, 10, 5, 5]}, "x0 <= x1"),
        ({"box": [10, 10, 500, 50]}, "outside"),
        ({"box": [1, 2, 3]}, "4 numbers"),
        ({"points": [[1, 2]], "labels": [1], "mask_input": np.zeros((64, 64))}, "1x256x256"),
        ({"labels": [1], "box": [1, 1, 5, 5]}, "labels were given without points"),
    ],
)
def test_bad_prompts(predictor, kwargs, message):
    with pytest.raises(InputError, match=message):
        predictor.predict(**kwargs)


def test_predict_before_set_image(sam_bundle):
    p = rt.SamPredictor(rt.open(sam_bundle))
    with pytest.raises(InputError, match="set_image"):
        p.predict(points=[[1, 1]], labels=[1])


def test_engine_is_reported(predictor):
    assert predictor.engine.startswith("onnxruntime") and "CPUExecutionProvider" in predictor.engine


def test_wrong_family(sam_bundle, tmp_path):
    import json
    import shutil

    dst = tmp_path / "b"
    shutil.copytree(sam_bundle, dst)
    m = json.loads((dst / "manifest.json").read_text())
    m["model"]["family"] = "dinov2"
    (dst / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(BundleError, match="needs a MobileSAM bundle"):
        rt.SamPredictor(rt.open(dst))
