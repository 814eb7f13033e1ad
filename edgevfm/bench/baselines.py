"""Baseline rows — what a user would do without edgevfm — for the model inside a bundle:
PyTorch eager FP32, and the plain ``torch.onnx.export`` of the same torch modules run by ONNX
Runtime (torch's default exporter, falling back to the TorchScript one where it fails, as a user
would; no edgevfm graph work)."""
from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Callable

from edgevfm_runtime.bench.contenders import ContenderSpec

# name -> make(bundle_path, workdir, weights) -> ContenderSpec
BASELINES: dict[str, Callable[..., ContenderSpec]] = {}


def register_baseline(name: str):
    def deco(fn):
        BASELINES[name] = fn
        return fn
    return deco


@register_baseline("pytorch-eager-fp32")
def pytorch_eager(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    return ContenderSpec("pytorch eager fp32", str(bundle), kind="pytorch",
                         options={"weights": weights} if weights else {})


def plain_export(component, path: Path) -> str:
    """``torch.onnx.export`` with torch's defaults; the exporter that worked, in words."""
    import torch

    args = dict(input_names=component.input_names, output_names=component.output_names,
                dynamic_axes=component.dynamic_axes or None)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(component.module, component.example_args, str(path), **args)
            return "torch.onnx.export (default: dynamo)"
        except Exception as exc:  # noqa: BLE001 - any exporter failure means: try the other one
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        torch.onnx.export(component.module, component.example_args, str(path), dynamo=False, **args)
    return f"torch.onnx.export(dynamo=False) (the default failed: {reason})"


@register_baseline("plain-onnx-fp32")
def plain_onnx(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    from edgevfm_runtime import open as open_bundle

    from ..check.torch_model import load_torch_model

    b = open_bundle(bundle)
    tm = load_torch_model(b.manifest, weights=weights)
    out = Path(workdir) / f"plain-onnx-{b.root.name}"
    out.mkdir(parents=True, exist_ok=True)
    files, exporters = {}, {}
    for comp in tm.family.components(tm.model, tm.variant, tm.recipe):
        path = out / f"{comp.name}.onnx"
        exporters[comp.name] = plain_export(comp, path)
        files[comp.name] = str(path)
    return ContenderSpec("plain onnx export fp32", str(bundle), kind="onnx-files",
                         options={"files": files, "label": "plain torch.onnx.export", "exporter": exporters})


def baseline_specs(bundle: str, names, workdir: Path, *, weights: str | None = None, emit=print) -> list[ContenderSpec]:
    """Specs for the named baselines; one that cannot be built is skipped with the reason."""
    from ..check.torch_model import ReferenceUnavailable

    specs = []
    for name in names:
        if name not in BASELINES:
            from ..registry import UnknownName, did_you_mean

            raise UnknownName(f"unknown baseline {name!r}{did_you_mean(name, BASELINES)} (known: {', '.join(BASELINES)})")
        try:
            emit(f"baseline: {name} for {Path(bundle).name}")
            specs.append(BASELINES[name](bundle, workdir, weights))
        except ReferenceUnavailable as exc:
            emit(f"note: baseline {name} skipped: {exc}")
    return specs
