"""`edgevfm-rt facts`: what this machine is — CPU, ISA flags, GPU/accelerators, engine versions — as
`edgevfm device setup` reports it for a device (stdlib only; engines are asked only if installed)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .bench.host import host_facts
from .versions import tool_versions


def _gpus() -> list[str]:
    out = []
    if shutil.which("nvidia-smi"):
        try:
            proc = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                                  capture_output=True, text=True, timeout=20)
            out += [line.strip() for line in proc.stdout.splitlines() if line.strip()]
        except (OSError, subprocess.TimeoutExpired):
            pass
    model = Path("/proc/device-tree/model")  # Jetson, Raspberry Pi and other boards name themselves here
    if not out and model.exists():
        out.append(model.read_text(errors="replace").strip("\x00\n "))
    return out


def _engine_targets() -> dict:
    found = {}
    try:
        import onnxruntime as ort

        found["onnxruntime_providers"] = list(ort.get_available_providers())
    except ImportError:
        pass
    try:
        import openvino as ov

        found["openvino_devices"] = list(ov.Core().available_devices)
    except ImportError:
        pass
    return found


def device_facts() -> dict:
    return {**host_facts(), "gpus": _gpus(), "tools": tool_versions(), **_engine_targets()}


def cmd_facts(args) -> int:
    facts = device_facts()
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    isa = ", ".join(k for k, v in facts["isa"].items() if v) or "none of note"
    print(f"{facts['cpu']} ({facts['machine']}, {facts['usable_cpus']} usable CPUs; ISA: {isa})")
    print(f"GPU: {', '.join(facts['gpus']) or 'none found'}")
    print("engines: " + ", ".join(f"{k} {v}" for k, v in facts["tools"].items()))
    for key in ("onnxruntime_providers", "openvino_devices"):
        if key in facts:
            print(f"{key.replace('_', ' ')}: {', '.join(facts[key])}")
    return 0
