"""ORT static QDQ, dynamic int8 and FP16 on a tiny model: settings honoured, float-kept nodes
recorded, and the sensitivity pass falls back the worst block first until the target is met."""
import onnx
import onnxruntime as ort

from edgevfm.quantize.feeds import sqnr_db
from edgevfm.quantize.fp16 import convert_fp16
from edgevfm.quantize.ort_dynamic import quantize_dynamic_int8
from edgevfm.quantize.ort_static import quantize_static_qdq

BLOCKS = [r"/(blocks/blocks\.\d+)/", r"/(stem)/"]


def _run(path, feeds):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return [s.run(None, f)[0] for f in feeds]


def _ops(path):
    return [n.op_type for n in onnx.load(str(path)).graph.node]


def test_static_qdq_quantizes_and_keeps_named_nodes_float(tiny_onnx, tiny_feeds, tmp_path):
    q = {"op_types": ["Conv", "MatMul", "Gemm"], "keep_float": {"nodes": [r"blocks\.1/fc2"]},
         "calibration": {"algorithm": "minmax"}}
    # every feed given is calibrated on (the pipeline limits images); the last two stay held out
    info = quantize_static_qdq(tiny_onnx, tmp_path / "q.onnx", feeds=tiny_feeds[:6], q=q, emit=lambda s: None)
    assert _ops(tmp_path / "q.onnx").count("QuantizeLinear") > 0
    assert info["float_kept"]["nodes"] and all("blocks.1/fc2" in n for n in info["float_kept"]["nodes"])
    assert info["calibration"] == {"algorithm": "minmax", "feeds": 6}
    ref, got = _run(tiny_onnx, tiny_feeds[6:]), _run(tmp_path / "q.onnx", tiny_feeds[6:])
    assert min(sqnr_db(r, g) for r, g in zip(ref, got)) > 15


def test_sensitivity_falls_back_until_target(tiny_onnx, tiny_feeds, tmp_path):
    q = {"op_types": ["Conv", "MatMul", "Gemm"], "activation_type": "int8", "symmetric_activations": True,
         "sensitivity": {"enabled": True, "target_sqnr_db": 60, "blocks": BLOCKS, "max_fallbacks": 2,
                         "full_fallback": False}}  # the full rung: test_fallback_bounds
    info = quantize_static_qdq(tiny_onnx, tmp_path / "q.onnx", feeds=tiny_feeds, q=q, emit=lambda s: None)
    sens = info["sensitivity"]
    assert set(sens["ranking_sqnr_db_if_kept_float"]) == {"blocks/blocks.0", "blocks/blocks.1", "blocks/blocks.2", "stem"}
    steps = sens["fallbacks"]
    assert 1 <= len(steps) <= 2
    best = max(sens["ranking_sqnr_db_if_kept_float"], key=sens["ranking_sqnr_db_if_kept_float"].get)
    assert steps[0]["block"] == best  # the block whose fallback recovers the most goes first
    assert steps[-1]["sqnr_db"] >= steps[0]["sqnr_db"] >= sens["all_int8"]["sqnr_db"]
    assert all("cost_ms" in s for s in steps)
    kept = info["float_kept"]["nodes"]
    assert kept and all(best.split("/")[-1] in n for n in kept[: steps[0]["nodes"]])


def test_dynamic_int8_uses_integer_matmuls(tiny_onnx, tiny_feeds, tmp_path):
    info = quantize_dynamic_int8(tiny_onnx, tmp_path / "d.onnx", q={"op_types": ["MatMul", "Gemm"]}, emit=lambda s: None)
    ops = _ops(tmp_path / "d.onnx")
    assert "DynamicQuantizeLinear" in ops or "DynamicQuantizeMatMul" in ops or "MatMulInteger" in ops
    assert info["quantized_nodes"] == 6
    ref, got = _run(tiny_onnx, tiny_feeds), _run(tmp_path / "d.onnx", tiny_feeds)
    assert min(sqnr_db(r, g) for r, g in zip(ref, got)) > 25


def test_fp16_keeps_layernorm_and_io_float(tiny_onnx, tiny_feeds, tmp_path):
    info = convert_fp16(tiny_onnx, tmp_path / "h.onnx", q={"keep_float": {"op_types": ["LayerNormalization"]}},
                        emit=lambda s: None)
    m = onnx.load(str(tmp_path / "h.onnx"))
    f32 = onnx.TensorProto.FLOAT
    assert m.graph.input[0].type.tensor_type.elem_type == f32 and m.graph.output[0].type.tensor_type.elem_type == f32
    assert any(i.data_type == onnx.TensorProto.FLOAT16 for i in m.graph.initializer)
    assert len(info["float_kept"]["nodes"]) == 3  # the three LayerNorms
    ref, got = _run(tiny_onnx, tiny_feeds), _run(tmp_path / "h.onnx", tiny_feeds)
    assert min(sqnr_db(r, g) for r, g in zip(ref, got)) > 40


def test_blocks_come_in_pattern_order():
    from edgevfm.quantize.keep_float import group_blocks

    names = ["/stem/Conv", "/blocks/blocks.0/fc1", "/blocks/blocks.1/fc1", "/blocks/blocks.0/fc2", "/head/x"]
    assert group_blocks(names, [r"/(blocks/blocks\.1)/", r"/(stem)/", r"/(blocks/blocks\.\d+)/"]) == {
        "blocks/blocks.1": ["/blocks/blocks.1/fc1"], "stem": ["/stem/Conv"],
        "blocks/blocks.0": ["/blocks/blocks.0/fc1", "/blocks/blocks.0/fc2"]}
