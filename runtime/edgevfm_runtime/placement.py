"""Where a bundle runs: an ONNX Runtime execution provider (``--provider``) or an OpenVINO device
(``--device``). Both are checked against what this host has before anything opens, and the engines
refuse a quiet fallback, so a GPU asked for is a GPU used or an error — never the CPU in silence."""
from __future__ import annotations

import argparse

from .errors import EngineUnavailable, InputError

# OpenVINO devices that stand for others ("AUTO:GPU,CPU"); checked by the devices they name.
OV_VIRTUAL = ("AUTO", "MULTI", "HETERO", "BATCH")


def add_placement_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", metavar="NAME",
                   help="ONNX Runtime execution provider, e.g. CUDAExecutionProvider, TensorrtExecutionProvider, "
                        "CoreMLExecutionProvider (default: CPUExecutionProvider); an error when not available here")
    p.add_argument("--device", metavar="NAME",
                   help="OpenVINO device: CPU (default), GPU, NPU, AUTO[:A,B]…; an error when not available here")


def available_providers() -> list[str]:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise EngineUnavailable(f"--provider needs onnxruntime, which is not installed ({exc})") from None
    return list(ort.get_available_providers())


def available_devices() -> list[str]:
    try:
        import openvino as ov
    except ImportError as exc:
        raise EngineUnavailable(f"--device needs openvino, which is not installed ({exc})") from None
    return list(ov.Core().available_devices)


def check_provider(name: str) -> str:
    have = available_providers()
    if name not in have:
        raise EngineUnavailable(f"ONNX Runtime execution provider {name!r} is not available here; "
                                f"available: {', '.join(have)}")
    return name


def check_device(name: str) -> str:
    have = available_devices()
    base, _, rest = name.partition(":")
    wanted = [d for d in rest.split(",") if d] if base.upper() in OV_VIRTUAL else [name]
    missing = [d for d in wanted if d not in have and not any(h.split(".")[0] == d for h in have)]
    if missing:
        raise EngineUnavailable(f"OpenVINO device {', '.join(missing)!s} is not available here; "
                                f"available: {', '.join(have)} (and AUTO/MULTI/HETERO over them)")
    return name


def placement(args) -> dict:
    """The session options ``--provider``/``--device`` ask for, checked against this host."""
    out = {}
    if getattr(args, "provider", None):
        out["providers"] = [check_provider(args.provider)]
    if getattr(args, "device", None):
        out["device"] = check_device(args.device)
    return out


def check_engine(options: dict, engine: str, what: str) -> None:
    """``--provider`` is for ONNX Runtime, ``--device`` for OpenVINO: say so instead of ignoring it."""
    from .engines import get_engine

    name = get_engine(engine).name
    if "providers" in options and name != "onnxruntime":
        raise InputError(f"--provider chooses an ONNX Runtime provider, but {what} runs in {name}"
                         + (" (use --device for OpenVINO)" if name == "openvino" else ""))
    if "device" in options and name != "openvino":
        raise InputError(f"--device chooses an OpenVINO device, but {what} runs in {name}"
                         + (" (use --provider for ONNX Runtime)" if name == "onnxruntime" else ""))


def session_options(args) -> dict:
    """``threads`` plus the placement, as the engines' session keyword options."""
    return {**({"threads": args.threads} if getattr(args, "threads", None) else {}), **placement(args)}


def place_specs(specs, options: dict) -> None:
    """Bench: the bundle rows run with ``options``; each is checked against its bundle's engine."""
    if not options:
        return
    from .bundle import open as open_bundle

    for s in specs:
        if s.kind == "bundle":
            b = open_bundle(s.bundle)
            check_engine(options, s.options.get("engine") or b.engine_name, s.name)
            s.options["session_options"] = dict(options)
