"""FP16 ONNX with the numerically fragile ops (LayerNorm, Softmax, …) and the model IO kept in FP32."""
from __future__ import annotations

from pathlib import Path

import onnx

from .keep_float import matching_nodes


def convert_fp16(src: Path, dst: Path, *, feeds=None, q: dict, emit=print) -> dict:
    from onnxruntime.transformers.float16 import DEFAULT_OP_BLOCK_LIST, convert_float_to_float16

    keep = q.get("keep_float", {})
    model = onnx.load(str(src))
    nodes = [(n.name, n.op_type) for n in model.graph.node]
    by_name = matching_nodes(nodes, patterns=keep.get("nodes", ()))
    op_block = list(keep.get("op_types", ()))
    emit(f"  fp16 (float32 kept for {', '.join(op_block) or 'no op types'}; IO float32) …")
    # keep_io_types: the runtime feeds and reads float32, as the manifest declares.
    # ORT's default block list (ops without fp16 kernels) stays blocked beside the recipe's.
    out = convert_float_to_float16(model, keep_io_types=True, op_block_list=sorted({*DEFAULT_OP_BLOCK_LIST, *op_block}),
                                   node_block_list=by_name, disable_shape_infer=False)
    onnx.save(out, str(dst))
    kept = [n for n, op in nodes if op in set(op_block)] + by_name
    return {"method": "fp16", "float_kept": {"op_types": op_block, "patterns": list(keep.get("nodes", [])),
                                              "nodes": kept}}
