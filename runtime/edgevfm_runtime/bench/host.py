"""Facts about the machine and the tools a result was measured with (from /proc, no extra packages)."""
from __future__ import annotations

import os
import platform
from pathlib import Path

# ISA features that decide which int8/bf16/fp16 kernels an engine can use, as /proc/cpuinfo names them.
ISA_FLAGS = {
    "x86": ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16",
            "amx_tile", "amx_bf16", "amx_int8"),
    "arm": ("asimd", "asimdhp", "fphp", "asimddp", "i8mm", "bf16", "sve", "sve2", "sme"),
}


def _cpuinfo() -> list[dict[str, str]]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    blocks = []
    for block in text.strip().split("\n\n"):
        entry = {}
        for line in block.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                entry[k.strip()] = v.strip()
        blocks.append(entry)
    return blocks


def _meminfo_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def host_facts() -> dict:
    cpus = _cpuinfo()
    first = cpus[0] if cpus else {}
    flags = set((first.get("flags") or first.get("Features") or "").split())
    arch = "arm" if platform.machine().lower() in ("aarch64", "arm64") or "Features" in first else "x86"
    model = first.get("model name") or first.get("Hardware") or first.get("CPU part") or platform.processor()
    cores = {(c.get("physical id", "0"), c.get("core id", c.get("processor"))) for c in cpus}
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "cpu": model or platform.machine(), "machine": platform.machine(), "arch": arch,
        "logical_cpus": os.cpu_count(), "usable_cpus": usable, "physical_cores": len(cores) or None,
        "isa": {f: f in flags for f in ISA_FLAGS[arch]},
        "memory_mb": _meminfo_mb(), "os": platform.platform(), "python": platform.python_version(),
        "loadavg": load,
    }
