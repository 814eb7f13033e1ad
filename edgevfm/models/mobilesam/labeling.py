"""The labeling-tool form of a MobileSAM ONNX pair (X-AnyLabeling / AnyLabeling ``segment_anything``).

Those tools feed the encoder a raw H×W×3 RGB canvas (float32 0..255, long side already 1024, no
normalisation, no padding) and show the first mask of the decoder's output. So the form is derived
from the bundle's own ONNX files by graph surgery, without torch:

* encoder: H×W×3 → CHW → (x - mean) / std → zero-pad to 1024² → the bundle's encoder graph;
* decoder: the bundle's four-token decoder + the official single-mask choice (token 0 iff the prompt
  has more than 2.5 points, padding point included; else the best-IoU multimask token).

Both graphs keep the bundle's weights bit for bit, so their masks are the runtime's masks."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgevfm_runtime.sam.transforms import IMG_SIZE, PIXEL_MEAN, PIXEL_STD

FOLDER = "labeling"
CONFIG = "xanylabeling_config.yaml"
_P = "edgevfm_labeling/"  # prefix for every added tensor name: no clash with the exported graph


def _const(name: str, value: np.ndarray):
    from onnx import helper, numpy_helper

    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))


def labeling_encoder(model):
    """``image`` (height, width, 3) float32 RGB 0..255, each side ≤ 1024 → the bundle's ``images`` input."""
    from onnx import TensorProto, helper

    g = model.graph
    old = next(i for i in g.input if i.name == "images")
    dtype = old.type.tensor_type.elem_type
    to_np = {TensorProto.FLOAT: np.float32, TensorProto.FLOAT16: np.float16}[dtype]
    nodes = [
        _const(_P + "mean", PIXEL_MEAN.astype(np.float32).reshape(3, 1, 1)),
        _const(_P + "std", PIXEL_STD.astype(np.float32).reshape(3, 1, 1)),
        _const(_P + "axis0", np.array([0], np.int64)),
        _const(_P + "hw_idx", np.array([0, 1], np.int64)),
        _const(_P + "side", np.array([IMG_SIZE, IMG_SIZE], np.int64)),
        _const(_P + "zeros6", np.zeros(6, np.int64)),
        helper.make_node("Transpose", ["image"], [_P + "chw"], perm=[2, 0, 1]),
        helper.make_node("Sub", [_P + "chw", _P + "mean"], [_P + "centered"]),
        helper.make_node("Div", [_P + "centered", _P + "std"], [_P + "normed"]),
        helper.make_node("Unsqueeze", [_P + "normed", _P + "axis0"], [_P + "nchw"]),
        helper.make_node("Shape", ["image"], [_P + "shape"]),
        helper.make_node("Gather", [_P + "shape", _P + "hw_idx"], [_P + "hw"]),
        helper.make_node("Sub", [_P + "side", _P + "hw"], [_P + "pad_hw"]),
        helper.make_node("Concat", [_P + "zeros6", _P + "pad_hw"], [_P + "pads"], axis=0),
        helper.make_node("Pad", [_P + "nchw", _P + "pads"], [_P + "padded"], mode="constant"),
    ]
    last = _P + "padded"
    if to_np is not np.float32:
        nodes.append(helper.make_node("Cast", [last], [_P + "cast"], to=dtype))
        last = _P + "cast"
    nodes.append(helper.make_node("Identity", [last], ["images"]))
    new_input = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["height", "width", 3])
    rest = [i for i in g.input if i.name != "images"]
    del g.input[:]
    g.input.extend([new_input, *rest])
    old_nodes = list(g.node)
    del g.node[:]
    g.node.extend([*nodes, *old_nodes])
    return model


def single_mask_decoder(model):
    """The four-token decoder → one mask per prompt, chosen as the official SAM ONNX export does."""
    from onnx import TensorProto, helper

    g = model.graph
    outs = {o.name: o for o in g.output}
    for name in ("masks", "iou_predictions", "low_res_masks"):
        if name not in outs:
            raise ValueError(f"decoder has no {name!r} output (outputs: {', '.join(outs)})")
    dtype = outs["iou_predictions"].type.tensor_type.elem_type
    to_np = {TensorProto.FLOAT: np.float32, TensorProto.FLOAT16: np.float16}[dtype]
    def private(t):
        return _P + "all_" + t if t in outs else t

    for node in g.node:  # the multimask tensors get private names; the selected ones take the public names
        node.output[:] = [private(t) for t in node.output]
        node.input[:] = [private(t) for t in node.input]
    for vi in g.value_info:
        vi.name = private(vi.name)
    iou, masks, low = (_P + "all_" + n for n in ("iou_predictions", "masks", "low_res_masks"))
    nodes = [
        _const(_P + "one", np.array([1], np.int64)),
        _const(_P + "i0", np.array([0], np.int64)),
        _const(_P + "i1", np.array([1], np.int64)),
        _const(_P + "half", np.array(2.5, to_np)),
        _const(_P + "reweight", np.array([[1000.0, 0.0, 0.0, 0.0]], to_np)),
        _const(_P + "axes23", np.array([2, 3], np.int64)),
        helper.make_node("Shape", ["point_coords"], [_P + "pc_shape"]),
        helper.make_node("Gather", [_P + "pc_shape", _P + "i1"], [_P + "n_points"]),
        helper.make_node("Cast", [_P + "n_points"], [_P + "n_points_f"], to=dtype),
        helper.make_node("Sub", [_P + "n_points_f", _P + "half"], [_P + "excess"]),
        helper.make_node("Mul", [_P + "excess", _P + "reweight"], [_P + "bias"]),
        helper.make_node("Add", [iou, _P + "bias"], [_P + "score"]),
        helper.make_node("ArgMax", [_P + "score"], [_P + "best"], axis=1, keepdims=1),
        helper.make_node("GatherElements", [iou, _P + "best"], ["iou_predictions"], axis=1),
        helper.make_node("Unsqueeze", [_P + "best", _P + "axes23"], [_P + "best4"]),
    ]
    for src, dst in ((masks, "masks"), (low, "low_res_masks")):
        nodes += [
            helper.make_node("Shape", [src], [f"{_P}{dst}_shape"]),
            helper.make_node("Slice", [f"{_P}{dst}_shape", _P + "i0", _P + "one"], [f"{_P}{dst}_p"]),
            helper.make_node("Shape", [src], [f"{_P}{dst}_hw"], start=2),
            helper.make_node("Concat", [f"{_P}{dst}_p", _P + "one", f"{_P}{dst}_hw"], [f"{_P}{dst}_target"], axis=0),
            helper.make_node("Expand", [_P + "best4", f"{_P}{dst}_target"], [f"{_P}{dst}_idx"]),
            helper.make_node("GatherElements", [src, f"{_P}{dst}_idx"], [dst], axis=1),
        ]
    g.node.extend(nodes)
    for o in g.output:  # the token axis is now 1
        dims = o.type.tensor_type.shape.dim
        if len(dims) >= 2:
            dims[1].ClearField("dim_param")
            dims[1].dim_value = 1
    return model


def write_labeling_form(bundle_dir: Path, manifest: dict, display: str) -> list[str]:
    """Write ``labeling/encoder.onnx``, ``labeling/decoder.onnx`` and the tools' config; return their names."""
    import onnx
    import yaml

    comps = manifest["components"]
    out = bundle_dir / FOLDER
    out.mkdir(exist_ok=True)
    files = {"encoder": (labeling_encoder, comps["encoder"]["file"]),
             "decoder": (single_mask_decoder, comps["decoder"]["file"])}
    written = []
    for name, (transform, src) in files.items():
        model = transform(onnx.load(str(bundle_dir / src)))
        onnx.checker.check_model(model)
        onnx.save(model, str(out / f"{name}.onnx"))
        written.append(f"{FOLDER}/{name}.onnx")
    name = f"{manifest['model']['name']}-{manifest['model']['variant']}-{manifest['target']['preset']}"
    cfg = {"type": "segment_anything", "name": name, "display_name": display,
           "encoder_model_path": f"{FOLDER}/encoder.onnx", "decoder_model_path": f"{FOLDER}/decoder.onnx",
           "input_size": IMG_SIZE, "max_width": IMG_SIZE, "max_height": IMG_SIZE}
    (bundle_dir / CONFIG).write_text(yaml.safe_dump(cfg, sort_keys=False))
    return [*written, CONFIG]
