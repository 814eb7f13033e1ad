"""Host-side SAM mask upscaling equals the official in-graph post-processing; the session wrapper
adds ``masks`` to a static-shape decoder's outputs."""
import numpy as np
import pytest
import torch

from edgevfm.models.mobilesam.export import SamOnnxDecoder
from edgevfm_runtime.host_outputs import with_host_outputs
from edgevfm_runtime.sam.upscale import upscale_masks


@pytest.mark.parametrize("size", [(1500, 2250), (480, 640), (1024, 700), (300, 300)])
def test_upscale_matches_official_postprocess(size):
    low = torch.randn(1, 4, 256, 256, generator=torch.Generator().manual_seed(0))
    ref = SamOnnxDecoder._postprocess(low, torch.tensor(size, dtype=torch.float32)).numpy()
    got = upscale_masks(low.numpy(), np.array(size, np.float32))
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-3
    assert ((got > 0) != (ref > 0)).mean() < 1e-4


class _Fake:
    engine = "fake"
    input_names = ["image_embeddings"]
    output_names = ["iou_predictions", "low_res_masks"]

    def run(self, feed):
        return {"iou_predictions": np.ones((1, 4), np.float32), "low_res_masks": np.ones((1, 4, 256, 256), np.float32)}


def test_session_wrapper_adds_masks_and_takes_orig_im_size():
    s = with_host_outputs(_Fake(), {"masks": "sam_upscale_masks"})
    assert s.input_names == ["image_embeddings", "orig_im_size"]
    assert s.output_names[-1] == "masks"
    out = s.run({"image_embeddings": None, "orig_im_size": np.array([30, 40], np.float32)})
    assert out["masks"].shape == (1, 4, 30, 40) and np.allclose(out["masks"], 1)
    assert with_host_outputs(_Fake(), {}).__class__ is _Fake
