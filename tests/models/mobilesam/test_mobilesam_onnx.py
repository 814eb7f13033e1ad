"""ONNX exports: encoder graph structure and ORT parity, decoder in ORT against the golden data."""
from __future__ import annotations

from collections import Counter

import onnx
import pytest

from mobilesam_testing import PROMPTS, assert_close, check_onnx_outputs, onnx_feed, ort_session


@pytest.fixture(scope="module")
def encoder_graph(encoder_onnx) -> onnx.ModelProto:
    return onnx.shape_inference.infer_shapes(onnx.load(str(encoder_onnx)))


def test_encoder_graph_is_clean(encoder_graph):
    ops = Counter(n.op_type for n in encoder_graph.graph.node)
    assert "BatchNormalization" not in ops, "Conv2d_BN must be folded"
    assert "Gather" not in ops, "attention-bias gathers must be folded into constants"
    assert "Shape" not in ops, "the encoder graph should be fully static"
    assert ops["Conv"] == 29 and ops["LayerNormalization"] == 22 and ops["Softmax"] == 10


def test_encoder_graph_max_rank(encoder_graph):
    ranks = {vi.name: len(vi.type.tensor_type.shape.dim) for vi in encoder_graph.graph.value_info}
    ranks.update({o.name: len(o.type.tensor_type.shape.dim) for o in encoder_graph.graph.output})
    checked = [(n.name, ranks[n.output[0]]) for n in encoder_graph.graph.node
               if n.op_type in ("Reshape", "Transpose")]
    assert checked, "shape inference gave no ranks"
    # <= 5 is what edge backends need; this implementation stays at 4-D.
    assert max(r for _, r in checked) <= 4, [c for c in checked if c[1] > 4]


def test_encoder_onnx_matches_torch(encoder_onnx, encoder_inputs, embeddings, golden_data):
    sess = ort_session(encoder_onnx)
    (out,) = sess.run(None, {"images": encoder_inputs["chelsea"].numpy()})
    assert_close(out, embeddings["chelsea"].numpy(), tol=1e-4, name="ORT vs torch")
    assert_close(out, golden_data["chelsea"]["embedding"], tol=1e-4, name="ORT vs golden")


@pytest.mark.parametrize("single", [False, True], ids=["multi", "single"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_decoder_onnx_matches_golden(decoder_sessions, golden_data, image_name, prompt, single):
    kind = "onnxsingle" if single else "onnxmulti"
    data = golden_data[image_name]
    outputs = decoder_sessions(single).run(None, onnx_feed(prompt, kind, data, data["embedding"]))
    check_onnx_outputs(outputs, data, prompt, kind)


@pytest.mark.parametrize("single", [False, True], ids=["multi", "single"])
def test_decoder_onnx_io(decoder_exports, single):
    model = onnx.load(str(decoder_exports(single)))
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    assert list(inputs) == ["image_embeddings", "point_coords", "point_labels", "mask_input",
                            "has_mask_input", "orig_im_size"]
    assert all(t.elem_type == onnx.TensorProto.FLOAT for t in inputs.values())
    assert [d.dim_param for d in inputs["point_coords"].shape.dim[:2]] == ["prompts", "num_points"]
    assert [o.name for o in model.graph.output] == ["masks", "iou_predictions", "low_res_masks"]
