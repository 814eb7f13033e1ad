"""Batched SAM prompts through every engine here: K boxes (and K point sets) in one ``predict`` call
equal K single calls (mask IoU >= 0.999). The decoder is converted alone (no encoder) for speed; the
TensorRT bundle's static-shape ONNX runs in ONNX Runtime, as the other TensorRT tests do."""
from __future__ import annotations

import importlib.util
from dataclasses import asdict

import numpy as np
import pytest

from edgevfm import weights as W
from edgevfm.models import get_model
from edgevfm.targets import TARGETS as TARGET_REGISTRY
from edgevfm_runtime.engines import get_engine
from edgevfm_runtime.host_outputs import with_host_outputs
from edgevfm_runtime.sam.batch_plan import plan_for, run_batched
from edgevfm_runtime.sam.batch_prompts import batched_feed
from edgevfm_runtime.sam.prompts import decoder_feed

IMAGE = (300, 451)
K = 5

# target -> (engine to run the file with, module the target needs, recipe)
TARGETS = {
    "onnx": ("onnxruntime", "onnxruntime", {}),
    "openvino": ("openvino", "openvino", {}),
    "litert": ("litert", "litert_torch", {"litert": {"point_counts": [2], "prompt_batches": [4]}}),  # 1 point + pad, or a box
    "tensorrt": ("onnxruntime", "onnxruntime", {}),
}


@pytest.fixture(scope="module")
def decoder():
    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model="mobilesam"))
    return fam.components(model, "vit_t", {})[1]


def get_target(name: str):
    t = TARGET_REGISTRY.get(name)
    return t() if isinstance(t, type) else t


def _session(decoder, target: str, tmp_path):
    engine, module, recipe = TARGETS[target]
    if importlib.util.find_spec(module) is None or get_engine(engine).unavailable_reason() is not None:
        pytest.skip(f"{target}: {module}/{engine} not installed")
    conv = get_target(target).convert(decoder, tmp_path, recipe=recipe, precision="fp32", emit=lambda s: None)
    opts = conv.engine_options if engine == get_target(target).engine else {}
    sess = with_host_outputs(get_engine(engine).session(tmp_path / conv.file, **opts), conv.host_outputs)
    component = {"inputs": [{"name": t.name, "shape": list(t.shape)} for t in (conv.inputs or decoder.inputs)]}
    return sess, component, conv.engine_options


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


@pytest.mark.parametrize("target", list(TARGETS))
def test_k_prompts_in_one_call_equal_k_single_calls(decoder, target, tmp_path):
    sess, component, options = _session(decoder, target, tmp_path)
    rng = np.random.default_rng(3)
    emb = rng.standard_normal((1, 256, 64, 64)).astype(np.float32)
    h, w = IMAGE
    x0, y0 = rng.uniform(0, w / 2, K), rng.uniform(0, h / 2, K)
    boxes = np.stack([x0, y0, x0 + rng.uniform(5, w / 2, K), y0 + rng.uniform(5, h / 2, K)], 1)
    points = np.stack([rng.uniform(0, w, (K, 1)), rng.uniform(0, h, (K, 1))], -1)
    for prompts in ({"box": boxes, "points": None, "labels": None},
                    {"box": None, "points": points, "labels": np.ones((K, 1))}):
        feed = {**batched_feed(**prompts, mask_input=None, image_size=IMAGE), "image_embeddings": emb}
        plan = plan_for(component, options, sess, feed["point_coords"].shape[1])
        if target == "litert":
            assert plan.sizes == (1, 4)  # the batch-4 signature is used, K = 5 runs as 4 + 1
        batch = run_batched(sess, feed, plan)
        assert batch["masks"].shape == (K, 4, h, w) and batch["iou_predictions"].shape == (K, 4)
        for k in range(K):
            one = {n: (v[k] if v is not None and n != "labels" else (None if v is None else v[k]))
                   for n, v in prompts.items()}
            single = sess.run({**decoder_feed(**one, mask_input=None, image_size=IMAGE), "image_embeddings": emb})
            for c in range(4):
                assert _iou(single["masks"][0, c] > 0, batch["masks"][k, c] > 0) >= 0.999, (target, k, c)
            np.testing.assert_allclose(single["iou_predictions"][0], batch["iou_predictions"][k], atol=1e-4)
