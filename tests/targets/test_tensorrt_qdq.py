"""jetson-* (TensorRT) bundles: the TensorRT-ready ONNX is checked structurally and run in ONNX
Runtime for parity here; the engine itself needs a GPU (test_tensorrt_engine.py)."""
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from edgevfm.targets import PRESETS, TARGETS
from edgevfm.targets.trt_checks import qdq_report
from edgevfm_runtime.engines import get_engine

from targets_testing import sqnr, torch_outputs


@pytest.fixture(scope="module")
def int8(tmp_path_factory, tiny_component, tiny_feeds):
    out = tmp_path_factory.mktemp("trt")
    conv = TARGETS.get("tensorrt").convert(tiny_component, out, recipe={}, precision="int8", calib=tiny_feeds[:6],
                                           emit=lambda s: None)
    return out / conv.file, conv


def test_presets_and_aliases():
    assert PRESETS.get("tensorrt-int8").name == "jetson-int8" and PRESETS.get("tensorrt-fp16").name == "jetson-fp16"
    assert "not yet verified on hardware" in PRESETS.get("jetson-int8").summary


def test_qdq_is_symmetric_per_channel_and_paired(int8):
    path, conv = int8
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    zps = [inits[n.input[2]] for n in model.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")
           and len(n.input) > 2]
    assert zps and all(z.dtype == np.int8 and not z.any() for z in zps)
    report = qdq_report(model)
    assert report["problems"] == [] and report["per_channel_weights"] >= 4
    assert conv.notes["qdq_checks"]["problems"] == []


def test_qdq_report_flags_a_nonzero_zero_point(int8):
    model = onnx.load(str(int8[0]))
    for init in model.graph.initializer:
        if init.name.endswith("zero_point"):
            init.CopyFrom(numpy_helper.from_array(np.ones_like(numpy_helper.to_array(init)), init.name))
            break
    assert any("zero point" in p for p in qdq_report(model)["problems"])


def test_qdq_graph_parity_in_onnxruntime(int8, tiny_component, tiny_feeds):
    sess = get_engine("onnxruntime").session(int8[0])
    feed = tiny_feeds[-1]  # not used for calibration
    ref, got = torch_outputs(tiny_component, feed), sess.run(feed)
    assert sqnr(ref["tokens"], got["tokens"]) > 20


def test_build_settings_and_trtexec_line(int8):
    _, conv = int8
    build = conv.engine_options["build"]
    assert build["strongly_typed"] and build["precision"] == "int8"
    assert not {"int8", "fp16", "fp32_layers"} & set(build)  # no precision flags: the graph's types decide
    line = conv.notes["trtexec"]
    assert line.startswith("trtexec --onnx=encoder.onnx") and "--stronglyTyped" in line
    assert not {"--int8", "--fp16", "--precisionConstraints=obey"} & set(line.split())
    assert "not yet verified on hardware" in conv.notes["verification"]


def test_qdq_only_on_weighted_op_inputs(int8):
    """No Q/DQ after a Conv/MatMul/Gemm, no DequantizeLinear feeding Softmax/Add/LayerNorm or a graph output."""
    path, conv = int8
    model = onnx.load(str(path))
    g = model.graph
    inits = {i.name for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    act_dq = [n for n in g.node if n.op_type == "DequantizeLinear" and n.input[0] not in inits]
    assert act_dq, "no activation was quantized"
    for dq in act_dq:
        consumers = [n for n in g.node if dq.output[0] in n.input]
        assert consumers and {c.op_type for c in consumers} <= {"Conv", "MatMul", "Gemm"}, dq.name
        assert dq.output[0] not in {o.name for o in g.output}
    for q in (n for n in g.node if n.op_type == "QuantizeLinear"):  # a weighted op's output: only for another
        src = producer.get(q.input[0])
        readers = {c.op_type for dq in g.node if q.output[0] in dq.input for c in g.node if dq.output[0] in c.input}
        assert src is None or src.op_type not in ("Conv", "MatMul", "Gemm") or readers <= {"Conv", "MatMul", "Gemm"}
    assert conv.quantization["placement"]["qdq_on"] == "weighted-op inputs only"


def test_fp16_keeps_layernorm_and_softmax_fp32(tmp_path, tiny_component, tiny_feeds):
    conv = TARGETS.get("tensorrt").convert(tiny_component, tmp_path, recipe={}, precision="fp16", emit=lambda s: None)
    kept = set(conv.quantization["float_kept"]["op_types"])
    assert {"LayerNormalization", "Softmax"} <= kept and conv.engine_options["build"]["strongly_typed"]
    got = get_engine("onnxruntime").session(tmp_path / conv.file).run(tiny_feeds[0])
    assert sqnr(torch_outputs(tiny_component, tiny_feeds[0])["tokens"], got["tokens"]) > 40


def test_recipe_cannot_ask_for_asymmetric_int8(tmp_path, tiny_component, tiny_feeds):
    with pytest.raises(ValueError, match="symmetric"):
        TARGETS.get("tensorrt").convert(tiny_component, tmp_path, recipe={"quantize": {"activation_type": "uint8"}},
                                        precision="int8", calib=tiny_feeds, emit=lambda s: None)


def test_sam_decoder_is_static_with_a_point_profile(tmp_path):
    """The TensorRT SAM decoder: no orig_im_size (TensorRT shape input must be int32, SAM_TensorRT#6),
    no data-dependent masks output, 1..18 points as an optimization profile (16 user points + the
    runtime's padding point or box corners), masks upscaled on the host."""
    from edgevfm import weights as W
    from edgevfm.models import get_model

    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model="mobilesam"))
    dec = fam.components(model, "vit_t", {})[1]
    conv = TARGETS.get("tensorrt").convert(dec, tmp_path, recipe={}, precision="fp16", emit=lambda s: None)
    graph = onnx.load(str(tmp_path / conv.file)).graph
    assert [i.name for i in graph.input] == ["image_embeddings", "point_coords", "point_labels", "mask_input",
                                             "has_mask_input"]
    assert [o.name for o in graph.output] == ["iou_predictions", "low_res_masks"]
    assert not {"Resize", "ArgMax", "Range"} & {n.op_type for n in graph.node}
    assert conv.host_outputs == {"masks": "sam_upscale_masks"}
    prof = conv.engine_options["build"]["profiles"]
    # dim 0 is the prompt batch (1..64 prompt sets per call), dim 1 the points
    assert prof["point_coords"] == {"min": [1, 1, 2], "opt": [1, 2, 2], "max": [64, 18, 2]}
    assert "--minShapes=point_coords:1x1x2,point_labels:1x1" in conv.notes["trtexec"]


def test_sensitivity_fallback_keeps_the_worst_blocks_float_and_records_them(tmp_path, tiny_component, tiny_feeds):
    """quantize.sensitivity: ranked on the calibration feeds; an unreachable target falls back
    max_fallbacks blocks, each recorded, and the graph stays TensorRT-ready."""
    recipe = {"quantize": {"sensitivity": {"enabled": True, "target_sqnr_db": 500, "max_fallbacks": 2,
                                           "full_fallback": False, "blocks": ["^/([A-Za-z_]+)"]}}}
    conv = TARGETS.get("tensorrt").convert(tiny_component, tmp_path, recipe=recipe, precision="int8",
                                           calib=tiny_feeds[:6], emit=lambda s: None)
    sens = conv.quantization["sensitivity"]
    assert not sens["reached"] and len(sens["fallbacks"]) == 2 and "calibration" in sens["measured_on"]
    ranking = sens["ranking_sqnr_db_if_kept_float"]
    worst_two = sorted(ranking, key=ranking.get, reverse=True)[:2]
    assert [f["block"] for f in sens["fallbacks"]] == worst_two
    kept = set(conv.quantization["float_kept"]["nodes"])
    model = onnx.load(str(tmp_path / conv.file))
    producers = {o: n.op_type for n in model.graph.node for o in n.output}
    for n in model.graph.node:
        if n.name in kept:
            assert "DequantizeLinear" not in {producers.get(i) for i in n.input}, n.name
    assert kept and qdq_report(model)["problems"] == []
