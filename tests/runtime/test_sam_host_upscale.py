"""A static-shape SAM decoder (low-res masks out, ``masks`` upscaled on the host): ``predict`` upscales
only the mask tokens it returns, feeds the engine only its own inputs, and returns what the full
host-output session would have."""
import numpy as np
import pytest

from edgevfm_runtime.host_outputs import with_host_outputs
from edgevfm_runtime.sam import SamPredictor
from edgevfm_runtime.sam.embedding import ImageEmbedding


class _LowResDecoder:
    engine = "fake"
    input_names = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input"]
    output_names = ["iou_predictions", "low_res_masks"]

    def __init__(self):
        self.low = np.random.default_rng(0).standard_normal((1, 4, 256, 256)).astype(np.float32)

    def run(self, feed):
        assert set(feed) == set(self.input_names), sorted(feed)  # an engine rejects unknown inputs
        return {"iou_predictions": np.arange(4, dtype=np.float32)[None], "low_res_masks": self.low.copy()}


@pytest.mark.parametrize("multimask", [True, False])
def test_predict_upscales_only_returned_tokens(multimask):
    session = with_host_outputs(_LowResDecoder(), {"masks": "sam_upscale_masks"})
    p = SamPredictor.__new__(SamPredictor)
    p.decoder = session
    emb = ImageEmbedding(features=np.zeros((1, 256, 64, 64), np.float32), original_size=(300, 451),
                         input_size=(681, 1024))
    masks, scores, low = p.predict(emb, points=np.array([[100.0, 50.0]]), labels=np.array([1]), multimask=multimask)
    feed = {"orig_im_size": np.array([300, 451], np.float32), **{k: None for k in session.inner.input_names}}
    full = session.run({k: np.zeros(1) if v is None else v for k, v in feed.items()})["masks"][0]
    sel = slice(1, 4) if multimask else slice(0, 1)
    assert masks.shape == (3 if multimask else 1, 300, 451) and masks.dtype == bool
    assert np.array_equal(masks, full[sel] > 0)
    assert np.array_equal(scores, np.arange(4, dtype=np.float32)[sel])
