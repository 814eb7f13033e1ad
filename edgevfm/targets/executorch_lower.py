"""torch.export → ExecuTorch edge dialect → delegate partition → ``.pte`` bytes, and the report of
what stayed outside the delegate (those ops run on ExecuTorch's portable kernels: slow on a phone)."""
from __future__ import annotations

import collections
import copy
import warnings

import torch

from ..models.spec import Component
from .executorch_passes import drop_noop_expands, requantize_after_pads
from .static_io import export_dims

# Ops that stay outside the delegate by design and cost nothing: tuple unpacking of the delegate's
# outputs and the delegate call itself.
_FREE = {"getitem", "executorch_call_delegate"}
PASSES = [drop_noop_expands, requantize_after_pads]


def dynamic_shapes(comp: Component) -> tuple | None:
    """torch.export dims per positional input (SAM's ``num_points``), None when all shapes are fixed."""
    dims = export_dims(comp)
    return tuple(dims.get(n) or None for n in comp.input_names) if dims else None


def export_program(module: torch.nn.Module, comp: Component) -> torch.export.ExportedProgram:
    """``module`` (in eval mode already: PT2E's converted graphs refuse ``.eval()``) exported with ``comp``'s
    example inputs and dynamic dims."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # export's deprecation notes about pytree / strict mode
        return torch.export.export(module, tuple(comp.example_args), dynamic_shapes=dynamic_shapes(comp),
                                   strict=False)


def partitioners(delegate: str) -> list:
    if delegate == "xnnpack":
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner

        return [XnnpackPartitioner()]
    if delegate == "coreml":
        from executorch.backends.apple.coreml.partition import CoreMLPartitioner

        import coremltools as ct
        from executorch.backends.apple.coreml.compiler import CoreMLBackend

        # the same floor as the ios-* presets: iOS 16 ML programs, FP16 compute (Core ML's default)
        specs = CoreMLBackend.generate_compile_specs(minimum_deployment_target=ct.target.iOS16,
                                                     compute_precision=ct.precision.FLOAT16)
        return [CoreMLPartitioner(compile_specs=specs)]
    raise ValueError(f"unknown ExecuTorch delegate {delegate!r} (known: xnnpack, coreml)")


def portable_ops(edge) -> dict[str, int]:
    """Ops of the lowered graph left outside every delegate, with their counts."""
    graph = edge.exported_program().graph_module.graph
    ops = collections.Counter()
    for node in graph.nodes:
        if node.op != "call_function" or not _is_tensor_kernel(node):
            continue
        name = getattr(node.target, "__name__", str(node.target))
        if name.split(".")[0] in _FREE or name in _FREE:
            continue
        op = getattr(node.target, "_op", node.target)  # an EdgeOpOverload wraps the aten OpOverload
        ops[str(op).removeprefix("aten.")] += 1
    return dict(sorted(ops.items()))


def _is_tensor_kernel(node) -> bool:
    """A call that runs a tensor kernel; symbolic-shape arithmetic (``operator.add`` on SymInts with a
    dynamic point count, sym_size, asserts) runs as ExecuTorch's scalar prim ops and is not listed."""
    import torch

    val = node.meta.get("val")
    vals = val if isinstance(val, (list, tuple)) else [val]
    return any(isinstance(v, torch.Tensor) for v in vals)


def delegated_calls(edge) -> int:
    graph = edge.exported_program().graph_module.graph
    return sum(1 for n in graph.nodes if n.op == "call_function"
               and getattr(n.target, "__name__", "") == "executorch_call_delegate")


def fold_constants(program: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    """``program`` with every subgraph that depends only on parameters/buffers computed once.

    Models that derive their deploy weights in ``forward`` from the checkpoint's parameters (MobileSAM's
    Conv2d_BN folds BatchNorm, its window attention slices q/k/v rows out of ``qkv`` and gathers the
    relative-position bias) export those derivations as graph ops. The XNNPACK partitioner only takes a
    Conv/Linear whose weight is a constant, so each of them stayed on the portable kernels and cut the
    graph into ~80 delegate partitions, each run through XNNPACK's whole pass pipeline (the lowering
    of the 1024-px encoder did not finish in 25 min). Folded, the weights are constants again."""
    from executorch.exir.operator.util import _QUANT_PRIMITIVES
    from executorch.exir.passes import constant_prop_pass as cp

    # The default skip set names edge ops; this program is still ATen: PT2E's Q/DQ pairs must stay
    # (XNNPACK matches them), and so must ``full`` (folding it only grows the file).
    skip = cp._DEFAULT_SKIP_TARGETS | set(_QUANT_PRIMITIVES) | {torch.ops.aten.full.default}
    return cp.constant_prop_pass(program, custom_skip_targets=skip)


def lower(program: torch.export.ExportedProgram, delegate: str = "xnnpack") -> tuple[bytes, dict]:
    """The ``.pte`` bytes of ``program`` lowered to ``delegate``, and the lowering report."""
    from executorch.exir import to_edge_transform_and_lower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folded = True
        try:
            edge = to_edge_transform_and_lower(fold_constants(copy.deepcopy(program)), transform_passes=PASSES,
                                              partitioner=partitioners(delegate))
        except AttributeError:
            # executorch 1.5.1: a program with lifted tensor constants (CLIP's towers) cannot be unlifted
            # after constant propagation ("_prop_tensor_constant… is not a buffer"); such programs have no
            # parameter-derived weights to fold, so they lower as exported
            folded = False
            edge = to_edge_transform_and_lower(program, transform_passes=PASSES,
                                              partitioner=partitioners(delegate))
        report = {"delegate": delegate, "delegated_subgraphs": delegated_calls(edge), "portable_ops": portable_ops(edge),
                  "constants_folded": folded}
        return edge.to_executorch().buffer, report
