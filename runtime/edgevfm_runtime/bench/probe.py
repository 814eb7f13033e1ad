"""Peak memory of one contender, measured in a fresh process so contenders do not share arenas:

    python -m edgevfm_runtime.bench.probe [--import MODULE]... [--threads N] SPEC_JSON

prints one JSON line. ``start_rss_mb`` is the peak RSS (VmHWM) after importing numpy and edgevfm_runtime
(and the modules that register contender kinds, which import nothing heavy); ``peak_rss_mb`` the
peak after opening the contender and running warm-up + 2 iterations of every step; ``delta_mb``
the difference: engine/framework libraries, weights, arenas and activations together.
"""
from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
from pathlib import Path

METHOD = ("peak RSS (VmHWM) of a fresh process: open + 1 warm-up + 2 iterations of every step; "
          "delta = minus the peak after importing numpy + edgevfm_runtime")


def _peak_mb() -> float:
    # VmHWM belongs to this process's address space; getrusage's ru_maxrss would also carry the
    # parent's peak across fork+exec on Linux, and the parent here is a bench holding every model.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 / (1024 if sys.platform == "darwin" else 1)  # macOS reports bytes


def probe(spec_json: str, *, threads: int | None = None) -> dict:
    import numpy as np  # noqa: F401

    from .contenders import ContenderSpec, open_contender
    from .image import bench_image
    from .workloads import build_workload

    start = _peak_mb()
    spec = ContenderSpec(**json.loads(spec_json))
    opened = open_contender(spec)
    wl = build_workload(opened.source, bench_image(opened.source), **({"threads": threads} if threads else {}))
    for _ in range(3):
        for fn in wl.steps.values():
            fn()
    peak = _peak_mb()
    return {"start_rss_mb": round(start, 1), "peak_rss_mb": round(peak, 1), "delta_mb": round(peak - start, 1),
            "method": METHOD}


def measure(spec, *, threads: int | None = None, imports: tuple[str, ...] = (), timeout: float = 600) -> dict:
    """Run the probe for ``spec`` in a subprocess; an error is reported in the result, not raised."""
    cmd = [sys.executable, "-m", "edgevfm_runtime.bench.probe"]
    for mod in imports:
        cmd += ["--import", mod]
    if threads:
        cmd += ["--threads", str(threads)]
    cmd.append(json.dumps(spec.to_json()))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"memory probe timed out after {timeout:.0f}s", "method": METHOD}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"memory probe failed: {tail[:200]}", "method": METHOD}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m edgevfm_runtime.bench.probe", description=__doc__.split("\n\n")[0])
    ap.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE")
    ap.add_argument("--threads", type=int)
    ap.add_argument("spec")
    args = ap.parse_args(argv)
    for mod in args.imports:
        importlib.import_module(mod)
    print(json.dumps(probe(args.spec, threads=args.threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
