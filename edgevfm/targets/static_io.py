"""Static shapes for engines that need every output shape known from input shapes alone (TensorRT,
LiteRT, Core ML): a component whose outputs follow input *values* is swapped for the static twin
it declares (``Component.static_twin``), and symbolic dims are fixed or kept within the ranges it
declares (``Component.dim_ranges``). No model knowledge here."""
from __future__ import annotations

from dataclasses import replace

from ..models.spec import Component, TensorSpec


def data_dependent_outputs(comp: Component) -> list[str]:
    """Outputs with a symbolic dim that no input has (its size comes from input values)."""
    in_dims = {d for t in comp.inputs for d in t.shape if isinstance(d, str)}
    return [t.name for t in comp.outputs if any(isinstance(d, str) and d not in in_dims for d in t.shape)]


def static_twin(comp: Component) -> tuple[Component, dict[str, str]]:
    """The component itself, or its declared static twin and the outputs the runtime computes on
    the host (manifest ``host_outputs``); raises if it has neither."""
    bad = data_dependent_outputs(comp)
    if not bad:
        return comp, {}
    if comp.static_twin is None:
        raise ValueError(f"unsupported: {comp.name} outputs {bad} have data-dependent shapes and no static twin")
    twin = comp.static_twin(comp)
    return replace(twin, dim_ranges=twin.dim_ranges or dict(comp.dim_ranges)), dict(comp.twin_host_outputs)


def fix_dims(comp: Component, keep: tuple[str, ...] | None = None) -> Component:
    """Symbolic dims not in ``keep`` (default: the component's ``dim_ranges``) become 1 (e.g. CLIP's
    ``batch``): shapes, dynamic axes, examples."""
    keep = tuple(comp.dim_ranges) if keep is None else keep

    def spec(t: TensorSpec) -> TensorSpec:
        return replace(t, shape=tuple(d if not isinstance(d, str) or d in keep else 1 for d in t.shape))

    args = []
    for t, a in zip(comp.inputs, comp.example_args):
        for axis, d in enumerate(t.shape):
            if isinstance(d, str) and d not in keep and a.shape[axis] != 1:
                a = a.narrow(axis, 0, 1)
        args.append(a)
    axes = {n: {i: d for i, d in ax.items() if d in keep} for n, ax in comp.dynamic_axes.items()}
    return replace(comp, inputs=[spec(t) for t in comp.inputs], outputs=[spec(t) for t in comp.outputs],
                   example_args=tuple(args), dynamic_axes={n: a for n, a in axes.items() if a})


def export_dims(comp: Component) -> dict[str, dict[int, "torch.export.Dim"]]:
    """``torch.export`` Dims for the component's dynamic axes, ranged by its ``dim_ranges`` (one Dim per
    symbolic name, shared by every input that carries it)."""
    import torch

    dims: dict[str, "torch.export.Dim"] = {}
    out: dict[str, dict[int, "torch.export.Dim"]] = {}
    for name, axes in comp.dynamic_axes.items():
        for axis, d in axes.items():
            if d not in comp.dim_ranges:
                raise ValueError(f"component {comp.name!r}: dynamic dim {d!r} of {name!r} has no range in dim_ranges "
                                 f"({sorted(comp.dim_ranges)}); fix it first (fix_dims)")
            lo, hi = comp.dim_ranges[d]
            out.setdefault(name, {})[axis] = dims.setdefault(d, torch.export.Dim(d, min=lo, max=hi))
    return out
