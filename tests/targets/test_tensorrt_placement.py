"""The Q/DQ placement rules on hand-made graphs: ``trt_checks.qdq_report`` flags Q/DQ on a weighted
op's output, a DequantizeLinear feeding another op or writing a graph output, and non-constant scales
(a clear problem, not a KeyError); int64 IO is fine for TensorRT 10. ``trt_placement.inputs_only``
turns ORT's shared Q/DQ (one DQ output read by the MatMul *and* the residual Add / a graph output)
into weighted-op-inputs-only. Real graphs: test_tensorrt_qdq*.py."""
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from edgevfm.targets.trt_checks import qdq_report
from edgevfm.targets.trt_placement import inputs_only


def _inits():
    return [numpy_helper.from_array(np.array(0.05, np.float32), "s"),
            numpy_helper.from_array(np.array(0, np.int8), "zp"),
            numpy_helper.from_array(np.arange(16, dtype=np.int8).reshape(4, 4), "w_q"),
            numpy_helper.from_array(np.full(4, 0.01, np.float32), "ws"),
            numpy_helper.from_array(np.zeros(4, np.int8), "wzp")]


def _model(nodes, outputs=("y",), inits=None, inputs=(("x", TensorProto.FLOAT, [1, 4]),)):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(*i) for i in inputs],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, 4]) for o in outputs],
                          _inits() if inits is None else inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


WEIGHT = helper.make_node("DequantizeLinear", ["w_q", "ws", "wzp"], ["w"], name="w_dq", axis=1)


def ort_like(graph_output: bool):
    """What ORT's QDQ quantizer makes of ``y = x + x @ W`` (+ ``x`` as a second output): one Q/DQ on
    x read by every consumer; with x a graph output, the DQ writes it under x's name."""
    x_dq = "x" if graph_output else "x_dq"
    src = "x_pre" if graph_output else "x"
    nodes = [helper.make_node("Identity", ["x_in"], [src], name="pre")] if graph_output else []
    nodes += [helper.make_node("QuantizeLinear", [src, "s", "zp"], ["x_q"], name="x_Q"),
              helper.make_node("DequantizeLinear", ["x_q", "s", "zp"], [x_dq], name="x_DQ"), WEIGHT,
              helper.make_node("MatMul", [x_dq, "w"], ["mm"], name="mm"),
              helper.make_node("Add", [x_dq, "mm"], ["y"], name="residual")]
    inputs = (("x_in" if graph_output else "x", TensorProto.FLOAT, [1, 4]),)
    return _model(nodes, outputs=("y", "x") if graph_output else ("y",), inputs=inputs)


def test_report_flags_dq_feeding_a_non_weighted_op_and_a_graph_output():
    problems = qdq_report(ort_like(graph_output=True))["problems"]
    assert any("feeds Add 'residual'" in p for p in problems)
    assert any("writes the graph output 'x'" in p for p in problems)


def test_report_flags_output_quantization_of_a_weighted_op():
    nodes = [WEIGHT, helper.make_node("MatMul", ["x", "w"], ["mm"], name="qk"),
             helper.make_node("QuantizeLinear", ["mm", "s", "zp"], ["mm_q"], name="mm_Q"),
             helper.make_node("DequantizeLinear", ["mm_q", "s", "zp"], ["mm_dq"], name="mm_DQ"),
             helper.make_node("Softmax", ["mm_dq"], ["y"], name="softmax")]
    problems = qdq_report(_model(nodes))["problems"]
    assert any("quantizes the output of MatMul 'qk'" in p for p in problems)
    assert any("feeds Softmax 'softmax'" in p for p in problems)


def test_report_names_a_scale_that_is_not_an_initializer_instead_of_raising():
    nodes = [helper.make_node("Constant", [], ["s_dyn"], value=numpy_helper.from_array(np.array(0.1, np.float32))),
             helper.make_node("QuantizeLinear", ["x", "s_dyn", "zp"], ["x_q"], name="x_Q"),
             helper.make_node("DequantizeLinear", ["x_q", "s_dyn", "zp"], ["x_dq"], name="x_DQ"), WEIGHT,
             helper.make_node("MatMul", ["x_dq", "w"], ["y"], name="mm")]
    problems = qdq_report(_model(nodes))["problems"]
    assert any("scale 's_dyn' is not a constant initializer" in p for p in problems)


def test_int64_inputs_are_listed_not_flagged():
    nodes = [helper.make_node("Cast", ["ids"], ["y"], to=TensorProto.FLOAT)]
    report = qdq_report(_model(nodes, inputs=(("ids", TensorProto.INT64, [1, 4]),), inits=[]))
    assert report["int64_inputs"] == ["ids"] and report["problems"] == []


def _run(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})


def test_inputs_only_gives_non_weighted_consumers_the_float_tensor():
    x = np.array([[0.013, -1.27, 0.5, 3.33]], np.float32)  # not on the 0.05 grid: quantization shows
    for graph_output in (False, True):
        model = ort_like(graph_output)
        before = _run(model, x)
        stats = inputs_only(model)
        onnx.checker.check_model(model)
        assert qdq_report(model)["problems"] == [], graph_output
        assert stats["rewired_consumers"] == 1 and stats["restored_graph_outputs"] == int(graph_output)
        after = _run(model, x)
        mm = after[0] - x  # y = x + MatMul(DQ(Q(x)), W): the residual reads float x now
        assert np.allclose(mm, before[0] - np.round(x / 0.05) * 0.05, atol=1e-5)
        if graph_output:
            assert np.array_equal(after[1], x) and not np.array_equal(before[1], x)  # the output is float again


def test_a_weighted_ops_output_may_be_the_next_weighted_ops_quantized_input():
    """Conv → Conv (MobileSAM's patch embedding): the second op's input Q/DQ is input quantization."""
    nodes = [WEIGHT, helper.make_node("MatMul", ["x", "w"], ["mm"], name="first"),
             helper.make_node("QuantizeLinear", ["mm", "s", "zp"], ["mm_q"], name="mm_Q"),
             helper.make_node("DequantizeLinear", ["mm_q", "s", "zp"], ["mm_dq"], name="mm_DQ"),
             helper.make_node("MatMul", ["mm_dq", "w"], ["y"], name="second")]
    assert qdq_report(_model(nodes))["problems"] == []
