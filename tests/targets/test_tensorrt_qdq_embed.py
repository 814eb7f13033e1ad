"""jetson-int8 for DINOv2 and CLIP: the real components (small configs, random:0 weights) quantized to
TensorRT's explicit INT8 with their own calibration feeds pass the structural Q/DQ checks (Q/DQ only on
weighted-op inputs), keep the
recipe's float nodes, keep CLIP's batch dynamic (profile 1..32) and hold parity in ONNX Runtime."""
import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from edgevfm import weights as W
from edgevfm.images import load_images
from edgevfm.models import get_model
from edgevfm.quantize.calibration import default_set
from edgevfm.targets import TARGETS, recipe_for
from edgevfm.targets.trt_checks import qdq_report
from edgevfm_runtime.engines import get_engine

from targets_testing import sqnr, torch_outputs


def _convert(model, variant, comp_name, tmp_path, overrides=()):
    fam = get_model(model)
    torch_model = fam.load(variant, W.resolve("random:0", fam.weight_source(variant), model=fam.family))
    recipe = recipe_for(model, "jetson-int8", overrides=list(overrides))
    comp = next(c for c in fam.components(torch_model, variant, recipe) if c.name == comp_name)
    held_out = recipe["parity"]["images"]
    feeds = fam.calibration_feeds(torch_model, default_set(eval_specs=held_out, minimum=4).images, recipe)
    conv = TARGETS.get("tensorrt").convert(comp, tmp_path, recipe=recipe, precision="int8", calib=feeds[comp_name],
                                           emit=lambda s: None)
    parity_feed = fam.calibration_feeds(torch_model, load_images(held_out[:1]), recipe)[comp_name][0]
    path = tmp_path / conv.file
    return comp, conv, onnx.load(str(path)), parity_feed, path


@pytest.fixture(scope="module")
def dinov2(tmp_path_factory):
    return _convert("dinov2", "vits14", "encoder", tmp_path_factory.mktemp("trt-dino"), ["input_size=[28,28]"])


@pytest.fixture(scope="module")
def clip_text(tmp_path_factory):
    return _convert("clip", "tinyclip-8m16", "text", tmp_path_factory.mktemp("trt-clip"),
                    ["quantize.calibration.texts=16"])


def _ort_as_tensorrt(path):
    """ONNX Runtime standing in for TensorRT, as export parity and `check --engine onnxruntime` run it."""
    ort = get_engine("onnxruntime")
    return ort.session(path, **ort.stand_in["tensorrt"])


def _weight_matmuls(model) -> int:
    inits = {i.name for i in model.graph.initializer}
    dq_of_init = {n.output[0] for n in model.graph.node if n.op_type == "DequantizeLinear" and n.input[0] in inits}
    return sum(1 for n in model.graph.node if n.op_type in ("MatMul", "Gemm", "Conv") and n.input[1] in dq_of_init)


@pytest.mark.parametrize("which", ["dinov2", "clip_text"])
def test_qdq_graph_is_tensorrt_ready(which, request):
    comp, conv, model, _, _ = request.getfixturevalue(which)
    report = qdq_report(model)
    assert report["problems"] == [] and conv.notes["qdq_checks"]["problems"] == []
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    zps = [inits[n.input[2]] for n in model.graph.node
           if n.op_type in ("QuantizeLinear", "DequantizeLinear") and len(n.input) > 2]
    assert zps and all(z.dtype == np.int8 and not z.any() for z in zps)  # symmetric INT8
    # every weight-bearing MatMul/Conv has per-channel INT8 weights
    assert report["per_channel_weights"] == _weight_matmuls(model) > 0
    build = conv.engine_options["build"]
    assert build["strongly_typed"] and not {"int8", "fp16", "fp32_layers"} & set(build)
    # Q/DQ only on weighted-op inputs (qdq_report checks it): nothing dequantized reaches Softmax or Add
    producers = {o: n.op_type for n in model.graph.node for o in n.output}
    for n in model.graph.node:
        if n.op_type in ("Softmax", "Add", "LayerNormalization"):
            assert "DequantizeLinear" not in {producers.get(i) for i in n.input}, n.name
    assert "not yet verified on hardware" in conv.notes["verification"]


def test_dinov2_parity_in_onnxruntime(dinov2):
    comp, _, _, feed, path = dinov2  # feed: the held-out parity photo, never calibrated on
    ref, out = torch_outputs(comp, feed), _ort_as_tensorrt(path).run(feed)
    assert min(sqnr(ref[k], out[k]) for k in ("cls_token", "patch_tokens")) > 25


def test_clip_text_keeps_batch_dynamic_and_pooling_float(clip_text):
    comp, conv, model, _, path = clip_text
    prof = conv.engine_options["build"]["profiles"]
    assert prof == {"input_ids": {"min": [1, 77], "opt": [1, 77], "max": [32, 77]}}
    assert "--maxShapes=input_ids:32x77" in conv.notes["trtexec"]
    pool = next(n for n in model.graph.node if n.name == "/MatMul")
    producers = {o: n.op_type for n in model.graph.node for o in n.output}
    assert "DequantizeLinear" not in {producers.get(i) for i in pool.input}  # recipe keep_float: '^/MatMul$'
    from edgevfm_runtime.families.clip import GOLDEN_TEXTS
    from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer

    ids = ClipTokenizer()(list(GOLDEN_TEXTS))  # a batch of 6 runs as one call
    out = _ort_as_tensorrt(path).run({"input_ids": ids})
    with torch.no_grad():
        ref = comp.module(torch.from_numpy(ids)).numpy()  # one output tensor, not a tuple
    assert out["text_embeds"].shape == (6, 512) and sqnr(ref, out["text_embeds"]) > 20



def test_tensorrt_stand_in_runs_qdq_unfused(clip_text, tmp_path):
    """The stand-in keeps Q/DQ as written (exact integer maths, as TensorRT); a jetson bundle opened with
    engine=onnxruntime gets that option, its own engine's options do not leak into ORT."""
    from edgevfm_runtime.engines.onnxruntime import OrtSession

    _, _, _, _, path = clip_text
    sess = _ort_as_tensorrt(path)
    assert isinstance(sess, OrtSession)
    import onnxruntime as ort

    assert sess._sess.get_session_options().graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
