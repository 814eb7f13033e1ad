"""Edge-dialect passes run before the XNNPACK partitioner (``to_edge_transform_and_lower``'s
``transform_passes``): rewrites that keep the delegate whole and loadable, each exact."""
from __future__ import annotations

import torch


def _result(gm: torch.fx.GraphModule, changed: bool):
    from torch.fx.passes.infra.pass_base import PassResult

    if changed:
        gm.recompile()
    return PassResult(gm, changed)


def drop_noop_expands(gm: torch.fx.GraphModule):
    """``expand_copy`` to the shape it already has (``matmul`` of 4-D tensors decomposes into
    expand + view + bmm) is an identity that XNNPACK does not take; left in, each one splits the delegate."""
    changed = False
    for node in list(gm.graph.nodes):
        if node.op != "call_function" or "expand_copy" not in str(node.target):
            continue
        src, val = node.args[0], node.meta.get("val")
        if isinstance(src, torch.fx.Node) and val is not None and "val" in src.meta \
                and tuple(src.meta["val"].shape) == tuple(val.shape):
            node.replace_all_uses_with(src)
            gm.graph.erase_node(node)
            changed = True
    return _result(gm, changed)


def _is(node, name: str) -> bool:
    return isinstance(node, torch.fx.Node) and node.op == "call_function" and \
        str(getattr(node.target, "_op", node.target)) == f"quantized_decomposed.{name}.default"


def requantize_after_pads(gm: torch.fx.GraphModule):
    """``q → dq → constant_pad_nd(0)`` rewritten as ``constant_pad_nd(0) → q → dq`` (the same scale/zero point).

    Why: ExecuTorch 1.5.1's XNNPACK ``InsertPadQDQPass`` gives a zero pad whose input is a dequantize an
    INT8 output, but that dequantize stays an explicit FP32 convert when no quantized op consumes the pad
    (the partitioner's pad config is FP32-only), so XNNPACK gets an FP32→INT8 pad and refuses the whole
    program at load ("Failed to create StaticConstantPad node … invalid_parameter", "Init failed for
    backend XnnpackBackend"). MobileSAM's TinyViT pads each stage's input to whole windows right after a
    quantized conv (PatchMerging). Exact: a 0 pad quantizes to the zero point and dequantizes to 0, and
    the pad moves no other value."""
    changed = False
    for pad in list(gm.graph.nodes):
        if pad.op != "call_function" or "constant_pad_nd" not in str(pad.target):
            continue
        dq = pad.args[0]
        value = pad.args[2] if len(pad.args) > 2 else pad.kwargs.get("value", 0.0)
        if value != 0 or not _is(dq, "dequantize_per_tensor") or not _is(dq.args[0], "quantize_per_tensor"):
            continue
        q = dq.args[0]
        params = tuple(dq.args[1:])
        if tuple(q.args[1:]) != params or dq.kwargs.get("out_dtype") is not None:
            continue
        users = list(pad.users)
        with gm.graph.inserting_after(pad):
            new_q = gm.graph.call_function(q.target, (pad, *params))
        with gm.graph.inserting_after(new_q):
            new_dq = gm.graph.call_function(dq.target, (new_q, *params))
        new_q.meta = {**pad.meta, "val": q.meta["val"].new_empty(pad.meta["val"].shape)} if "val" in q.meta else dict(pad.meta)
        new_dq.meta = dict(pad.meta)
        for user in users:
            user.replace_input_with(pad, new_dq)
        pad.replace_input_with(dq, q.args[0])
        for old in (dq, q):
            if not old.users:
                gm.graph.erase_node(old)
        changed = True
    return _result(gm, changed)
