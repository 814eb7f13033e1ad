"""PT2E static INT8 for ExecuTorch's XNNPACK delegate: the XNNPACK quantizer (INT8 per-channel
symmetric weights, INT8 per-tensor activations) annotates the exported graph, min/max observers
calibrate on the component's calibration feeds, and ``convert_pt2e`` leaves Q/DQ pairs that the
XNNPACK partitioner turns into its INT8 kernels.

Accuracy budget: with ``quantize.sensitivity`` enabled, whole modules (recipe regexes on module
names, e.g. ViT blocks) stay FP32, in recipe order, until the lowered program reaches the target
SQNR on the validation feed — measured in ExecuTorch itself, the same as parity."""
from __future__ import annotations

import re
import time

import numpy as np
import torch

from ..models.spec import Component
from ..quantize.keep_float import group_blocks
from ..quantize.sensitivity import fallback_until, search_limits
from .executorch_lower import export_program, lower

# recipe names -> the aten ops the quantizer annotates (set_operator_type); the default is the compute
# ops only: XNNPACK's INT8 Add/Mul on the residual stream of a ViT lose its few large activations
OP_TYPES = {"linear": "linear", "conv2d": "conv2d", "add": "add", "mul": "mul", "cat": "cat"}
DEFAULT_OP_TYPES = ("linear", "conv2d")


def _items(comp: Component, feed: dict) -> list[tuple]:
    """Positional torch inputs from a numpy feed, split into batch-1 items where the program has batch 1."""
    arrays = [np.asarray(feed[n]) for n in comp.input_names]
    lead = [t.shape[0] if t.shape else None for t in comp.inputs]
    b = arrays[0].shape[0] if arrays[0].ndim else 1
    if all(d == 1 for d in lead) and b > 1:
        return [tuple(torch.from_numpy(np.ascontiguousarray(a[i:i + 1])) for a in arrays) for i in range(b)]
    return [tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)]


def quantizer(q: dict, excluded: list[str]):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                                         get_symmetric_quantization_config)

    cfg = get_symmetric_quantization_config(is_per_channel=bool(q.get("per_channel", True)), is_dynamic=False)
    qz = XNNPACKQuantizer()
    for op in q.get("op_types") or DEFAULT_OP_TYPES:
        if op not in OP_TYPES:
            raise ValueError(f"quantize.op_types {op!r} is not one of {', '.join(OP_TYPES)} on executorch")
        qz.set_operator_type(getattr(torch.ops.aten, OP_TYPES[op]).default, cfg)
    if excluded:  # set_module_name(name, None) is refused beside operator-type configs: filter instead
        from torchao.quantization.pt2e.quantizer.utils import get_module_name_filter

        inside = [get_module_name_filter(name) for name in excluded]
        qz.set_filter_function(lambda node: not any(f(node) for f in inside))
    return qz


def quantized_program(comp: Component, feeds: list[dict], q: dict, excluded: list[str]) -> torch.export.ExportedProgram:
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    graph = export_program(comp.module.eval(), comp).module()
    prepared = prepare_pt2e(graph, quantizer(q, excluded))
    with torch.no_grad():
        for feed in feeds:
            for args in _items(comp, feed):
                prepared(*args)
    converted = convert_pt2e(prepared)
    return export_program(converted, comp)


def _runner(pte: bytes, comp: Component):
    from executorch.runtime import Runtime, Verification

    method = Runtime.get().load_program(pte, verification=Verification.Minimal).load_method("forward")
    return lambda args: [o.numpy() if hasattr(o, "numpy") else np.asarray(o) for o in method.execute(list(args))]


def _sqnr(ref: list[np.ndarray], got: list[np.ndarray]) -> float:
    worst = float("inf")
    for r, g in zip(ref, got):
        noise = float(np.sum((r.astype(np.float64) - g) ** 2))
        if noise:
            worst = min(worst, 10 * np.log10(max(float(np.sum(r.astype(np.float64) ** 2)), 1e-30) / noise))
    return worst


def static_int8(comp: Component, feeds: list[dict], q: dict, emit=print) -> tuple[bytes, dict, dict]:
    """The INT8 ``.pte`` bytes, its lowering report and the manifest's quantization entry."""
    keep = q.get("keep_float", {})
    names = [n for n, _ in comp.module.named_modules() if n]
    base = [n for n in names if any(re.search(p, n) for p in keep.get("modules", ()))]
    info: dict = {"method": "xnnpack-pt2e-static", "weights": "int8 symmetric " + (
        "per-channel" if q.get("per_channel", True) else "per-tensor"), "activations": "int8 per-tensor (min/max observers)",
        "op_types": list(q.get("op_types") or DEFAULT_OP_TYPES),
        "calibration": {"feeds": len(feeds), "source": "calibration feeds (held out from parity)"}}
    built: dict[int, tuple[bytes, dict]] = {}

    def build(excluded: list[str]):
        pte, report = lower(quantized_program(comp, feeds, q, excluded))
        built[id(pte)] = (pte, report)
        return pte

    sens = q.get("sensitivity", {})
    emit(f"  PT2E static INT8 (XNNPACK quantizer): calibrating on {len(feeds)} feed(s) …")
    if sens.get("enabled") and "target_sqnr_db" in sens:
        val = [a for f in feeds[-int(sens.get("validation_images", 1)):] for a in _items(comp, f)]
        with torch.no_grad():
            reference = [[o.numpy() for o in _as_tuple(comp.module(*a))] for a in val]
        blocks = group_blocks([n for n in names if n not in base], list(sens.get("blocks", [])))
        # A block's module name covers its children (the quantizer filters by name prefix): keep the shortest.
        blocks = {k: [n for n in v if not any(n != m and n.startswith(m + ".") for m in v)] for k, v in blocks.items()}

        def measure(pte):
            run = _runner(pte, comp)
            return min(_sqnr(r, run(a)) for r, a in zip(reference, val))

        def latency(pte):
            run, times = _runner(pte, comp), []
            for _ in range(3):
                t = time.perf_counter()
                run(val[0])
                times.append((time.perf_counter() - t) * 1e3)
            return float(np.median(times))

        best, result = fallback_until(blocks=blocks, base_excluded=base, build=build, measure=measure, latency=latency,
                                      **search_limits(sens, 4), full=[n for n in names if n not in base],
                                      rank=False, progress=emit)
        excluded = result.kept_float
        info["sensitivity"] = result.manifest()
    else:
        best, excluded = build(base), base
    pte, report = built[id(best)]
    info["float_kept"] = {"patterns": list(keep.get("modules", [])), "nodes": excluded}
    return pte, report, info


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)
