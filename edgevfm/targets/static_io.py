"""Static-shape twins of components whose output shapes depend on input *values* (SAM's ``masks``
follow ``orig_im_size``): TensorRT, LiteRT and Core ML need shapes known from input shapes alone.

Twins are registered by the module's class name, resolved lazily, so no model code loads here."""
from __future__ import annotations

import importlib
from dataclasses import replace

import torch

from ..models.spec import Component, TensorSpec

# module class name -> ("module:function" building the static twin, outputs the runtime adds on the host)
TWINS: dict[str, tuple[str, dict[str, str]]] = {
    "SamOnnxDecoder": ("edgevfm.models.mobilesam.lowres_decoder:lowres_component", {"masks": "sam_upscale_masks"}),
}

# symbolic dim -> (min, max) kept dynamic by engines with shape ranges (others are fixed to 1)
RANGES: dict[str, tuple[int, int]] = {"num_points": (1, 16)}


def data_dependent_outputs(comp: Component) -> list[str]:
    """Outputs with a symbolic dim that no input has (its size comes from input values)."""
    in_dims = {d for t in comp.inputs for d in t.shape if isinstance(d, str)}
    return [t.name for t in comp.outputs if any(isinstance(d, str) and d not in in_dims for d in t.shape)]


def static_twin(comp: Component) -> tuple[Component, dict[str, str]]:
    """The component itself, or its registered static twin and the outputs the runtime computes on
    the host (manifest ``host_outputs``); raises if it has neither."""
    bad = data_dependent_outputs(comp)
    if not bad:
        return comp, {}
    entry = TWINS.get(type(comp.module).__name__)
    if entry is None:
        raise ValueError(f"unsupported: {comp.name} outputs {bad} have data-dependent shapes and no static twin")
    (mod, fn), host = entry[0].split(":"), entry[1]
    return getattr(importlib.import_module(mod), fn)(comp), dict(host)


def fix_dims(comp: Component, keep: tuple[str, ...] = tuple(RANGES)) -> Component:
    """Symbolic dims not in ``keep`` become 1 (e.g. CLIP's ``batch``): shapes, dynamic axes, examples."""
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
    """torch.export ``Dim``s for the component's remaining dynamic axes (ranges from RANGES)."""
    dims: dict[str, torch.export.Dim] = {}
    out = {}
    for name, axes in comp.dynamic_axes.items():
        out[name] = {}
        for axis, d in axes.items():
            lo, hi = RANGES[d]
            dims.setdefault(d, torch.export.Dim(d, min=lo, max=hi))
            out[name][axis] = dims[d]
    return out
