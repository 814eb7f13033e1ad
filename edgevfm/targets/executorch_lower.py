"""torch.export → ExecuTorch edge dialect → delegate partition → ``.pte`` bytes, and the report of
what stayed outside the delegate (those ops run on ExecuTorch's portable kernels: slow on a phone)."""
from __future__ import annotations

import collections
import warnings

import torch

from ..models.spec import Component
from .static_io import export_dims

# Ops that stay outside the delegate by design and cost nothing: tuple unpacking of the delegate's
# outputs and the delegate call itself.
_FREE = {"getitem", "executorch_call_delegate"}


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
        if node.op != "call_function":
            continue
        name = getattr(node.target, "__name__", str(node.target))
        if name.split(".")[0] in _FREE or name in _FREE:
            continue
        op = getattr(node.target, "_op", node.target)  # an EdgeOpOverload wraps the aten OpOverload
        ops[str(op).removeprefix("aten.")] += 1
    return dict(sorted(ops.items()))


def delegated_calls(edge) -> int:
    graph = edge.exported_program().graph_module.graph
    return sum(1 for n in graph.nodes if n.op == "call_function"
               and getattr(n.target, "__name__", "") == "executorch_call_delegate")


def lower(program: torch.export.ExportedProgram, delegate: str = "xnnpack") -> tuple[bytes, dict]:
    """The ``.pte`` bytes of ``program`` lowered to ``delegate``, and the lowering report."""
    from executorch.exir import to_edge_transform_and_lower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edge = to_edge_transform_and_lower(program, partitioner=partitioners(delegate))
        report = {"delegate": delegate, "delegated_subgraphs": delegated_calls(edge), "portable_ops": portable_ops(edge)}
        return edge.to_executorch().buffer, report
