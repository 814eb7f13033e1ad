"""Baseline rows — what a user would do without edgevfm — for the model inside a bundle:
PyTorch eager FP32, and the plain ``torch.onnx.export`` of the same torch modules run by ONNX
Runtime (torch's default exporter, falling back to the TorchScript one where it fails, as a user
would; no edgevfm graph work)."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
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
    quiet = logging.getLogger("torch.onnx")  # "torchvision is not installed. Skipping …" per export
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(component.module, component.example_args, str(path), **args)
                return "torch.onnx.export (default: dynamo)"
            except Exception as exc:  # noqa: BLE001 - any exporter failure means: try the other one
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            torch.onnx.export(component.module, component.example_args, str(path), dynamo=False, **args)
        return f"torch.onnx.export(dynamo=False) (the default failed: {reason})"
    finally:
        quiet.setLevel(level)


_PLAIN: dict[tuple, tuple] = {}  # (bundle, workdir, weights) -> files, exporters: one export per process


def _plain_files(bundle: str, workdir: Path, weights: str | None):
    """The bundle's torch modules, each exported the plain way into ``workdir``: (bundle, files, exporters).
    Kept on disk with the bundle's manifest hash, so a later run on the same bundle reuses them."""
    from edgevfm_runtime import open as open_bundle

    key = (str(Path(bundle).resolve()), str(Path(workdir).resolve()), weights)
    if key in _PLAIN:
        files, exporters = _PLAIN[key]
        return open_bundle(bundle), dict(files), dict(exporters)

    from ..check.torch_model import load_torch_model

    b = open_bundle(bundle)
    out = Path(workdir) / f"plain-onnx-{b.root.name}"
    stamp = {"manifest_sha256": hashlib.sha256((b.root / "manifest.json").read_bytes()).hexdigest(), "weights": weights}
    done = out / "stamp.json"
    if done.is_file() and json.loads(done.read_text())["stamp"] == stamp:  # the same bundle's, from an earlier run
        files, exporters = json.loads(done.read_text())["files"], json.loads(done.read_text())["exporters"]
        if all(Path(f).is_file() for f in files.values()):
            _PLAIN[key] = (dict(files), dict(exporters))
            return b, files, exporters
    tm = load_torch_model(b.manifest, weights=weights)
    out.mkdir(parents=True, exist_ok=True)
    files, exporters = {}, {}
    for comp in tm.family.components(tm.model, tm.variant, tm.recipe):
        path = out / f"{comp.name}.onnx"
        exporters[comp.name] = plain_export(comp, path)
        files[comp.name] = str(path)
    done.write_text(json.dumps({"stamp": stamp, "files": files, "exporters": exporters}))
    _PLAIN[key] = (dict(files), dict(exporters))
    return b, files, exporters


@register_baseline("plain-onnx-fp32")
def plain_onnx(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    _, files, exporters = _plain_files(bundle, workdir, weights)
    return ContenderSpec("plain onnx export fp32", str(bundle), kind="model-files",
                         options={"files": files, "label": "plain torch.onnx.export", "exporter": exporters})


def ort_optimized(src: str, dst: Path, model_type: str) -> dict:
    """``src`` through ONNX Runtime's transformer optimizer as its docs show it (heads and width found
    by the optimizer, CPU, FP32): the fused ops it wrote, by type."""
    from onnxruntime.transformers.optimizer import optimize_model

    quiet = logging.getLogger("onnxruntime.transformers")  # per-fusion INFO/WARNING lines
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            model = optimize_model(src, model_type=model_type, num_heads=0, hidden_size=0)
            model.save_model_to_file(str(dst))
    finally:
        quiet.setLevel(level)
    return {op: n for op, n in model.get_fused_operator_statistics().items() if n}


@register_baseline("plain-onnx-ort-optimizer")
def plain_onnx_ort_optimizer(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    """A savvy ONNX Runtime user's FP32: the plain export through ``onnxruntime.transformers.optimizer``
    (Attention, SkipLayerNormalization, BiasGelu … fusions where its patterns match), run by ONNX Runtime."""
    b, files, exporters = _plain_files(bundle, workdir, weights)
    from ..models import get_model

    model_type = get_model(b.manifest["model"]["name"]).ort_optimizer_model_type
    out = Path(workdir) / f"plain-ortopt-{b.root.name}"
    out.mkdir(parents=True, exist_ok=True)
    fused = {}
    for name, path in list(files.items()):
        files[name] = str(out / f"{name}.onnx")
        fused[name] = ort_optimized(path, Path(files[name]), model_type)
    return ContenderSpec("plain onnx + ort optimizer", str(bundle), kind="model-files",
                         options={"files": files, "label": f"plain export + ORT transformer optimizer ({model_type})",
                                  "fused": fused, "exporter": exporters})


@register_baseline("plain-openvino-default")
def plain_openvino(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    """The plain export compiled by OpenVINO with its defaults (bf16 on AVX-512 BF16/AMX CPUs)."""
    _, files, exporters = _plain_files(bundle, workdir, weights)
    return ContenderSpec("plain openvino default", str(bundle), kind="model-files",
                         options={"files": files, "engine": "openvino", "precision": "openvino default",
                                  "engine_options": {"INFERENCE_PRECISION_HINT": None},
                                  "label": "plain export + OpenVINO defaults", "exporter": exporters})


PLAIN_NNCF_PHOTOS = 3  # what a savvy user's first try uses: a handful of photos, the NNCF defaults otherwise


def nncf_calibration(bundle):
    """A savvy user's calibration set: a few photos (none of the bundle's parity photos), model-ready."""
    from edgevfm_runtime.preprocess import preprocess

    from ..quantize.calibration import default_set

    parity_images = bundle.manifest["provenance"].get("recipe", {}).get("parity", {}).get("images", [])
    photos = default_set(eval_specs=parity_images, minimum=1, limit=PLAIN_NNCF_PHOTOS)
    return photos, [preprocess(rgb, bundle.preprocess) for rgb in photos.images]


def savvy_nncf_int8(onnx_path, xml_path: Path, inputs: list) -> Path | None:
    """NNCF INT8 as its docs show it (transformer preset, defaults otherwise) on an ONNX file with one
    image input, calibrated on ``inputs`` (model-ready tensors). None: not an image tower (left as is)."""
    import nncf
    import openvino as ov

    model = ov.convert_model(str(onnx_path))
    inp = model.inputs[0]
    if len(model.inputs) != 1 or inp.get_partial_shape().rank.get_length() != 4:
        return None
    data = [{inp.get_any_name(): x} for x in inputs]
    q = nncf.quantize(model, nncf.Dataset(data), subset_size=len(data), model_type=nncf.ModelType.TRANSFORMER)
    ov.save_model(q, str(xml_path))
    return Path(xml_path)


@register_baseline("plain-nncf-int8")
def plain_nncf(bundle: str, workdir: Path, weights: str | None = None) -> ContenderSpec:
    """A savvy user's INT8 today: the plain export, OpenVINO + NNCF post-training quantization with the
    transformer preset on a few photos (image-input components; the others stay FP32), OpenVINO defaults."""
    b, files, exporters = _plain_files(bundle, workdir, weights)
    photos, inputs = nncf_calibration(b)
    out = Path(workdir) / f"plain-nncf-{b.root.name}"
    out.mkdir(parents=True, exist_ok=True)
    quantized = []
    for name, path in list(files.items()):
        xml = savvy_nncf_int8(path, out / f"{name}.xml", inputs)
        if xml:
            files[name] = str(xml)
            quantized.append(name)
    return ContenderSpec("plain nncf int8", str(bundle), kind="model-files",
                         options={"files": files, "engine": "openvino", "precision": f"int8 ({', '.join(quantized)})",
                                  "engine_options": {"INFERENCE_PRECISION_HINT": None},
                                  "label": f"plain export + NNCF INT8 (transformer, {len(photos.images)} photos)",
                                  "calibration": photos.names, "exporter": exporters})


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
