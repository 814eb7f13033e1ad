"""Pre-processing and image embeddings against the official implementation's golden data."""
from __future__ import annotations

import numpy as np

from edgevfm.models.mobilesam.model import resize_longest_side_shape

from mobilesam_testing import assert_close, pil_resize


def test_resize_shape_and_pil_bilinear(golden_data, image_name):
    data = golden_data[image_name]
    h, w = (int(s) for s in data["original_size"])
    assert resize_longest_side_shape(h, w) == tuple(int(s) for s in data["input_size"])
    np.testing.assert_array_equal(pil_resize(data["image"], data["input_size"]), data["resized"])


def test_encoder_input_checksum(encoder_inputs, golden_data, image_name):
    x = encoder_inputs[image_name].double()
    assert tuple(x.shape) == (1, 3, 1024, 1024)
    got = np.array([x.sum().item(), x.abs().sum().item()])
    np.testing.assert_allclose(got, golden_data[image_name]["encoder_input_checksum"], rtol=1e-7)


def test_embedding_matches_golden(embeddings, golden_data, image_name):
    emb = embeddings[image_name].numpy()
    assert emb.shape == (1, 256, 64, 64) and emb.dtype == np.float32
    assert_close(emb, golden_data[image_name]["embedding"], tol=1e-4, name=f"{image_name} embedding")
