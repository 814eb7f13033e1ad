"""The engines' own benchmark tools beside our figures, as a cross-check: OpenVINO's `benchmark_app`
(ships in the openvino wheel) on each component file of an OpenVINO bundle, with the bundle's inference
precision, the latency hint and synchronous requests — the same settings our sessions use. Its figure
is the model alone; ours (the headline step) also holds pre/post-processing in numpy."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import EngineUnavailable

_STAT = re.compile(r"^\[ INFO \]\s+(Median|Average|Min|Max):\s+([\d.]+) ms", re.M)


def benchmark_app() -> str:
    exe = shutil.which("benchmark_app") or str(Path(sys.executable).parent / "benchmark_app")
    if not Path(exe).exists():
        raise EngineUnavailable("OpenVINO's benchmark_app is not installed (it ships in the openvino wheel)")
    return exe


def benchmark_app_args(file: str, inputs: list[dict], options: dict, *, runs: int = 100,
                       threads: int | None = None) -> list[str]:
    """benchmark_app's arguments for one IR with the settings our sessions use (also recorded in the manifest)."""
    # benchmark_app refuses -nthreads beside a hint; our session's LATENCY hint means one stream, so
    # with a thread count the same configuration is spelled out: no hint, 1 stream, N threads.
    hint = ["-hint", "none", "-nstreams", "1"] if threads else ["-hint", "latency"]
    cmd = ["-m", str(file), "-d", options.get("device", "CPU"), *hint, "-api", "sync", "-niter", str(max(runs, 1))]
    precision = options.get("INFERENCE_PRECISION_HINT", "f32")
    if precision:
        cmd += ["-infer_precision", str(precision)]
    if threads:
        cmd += ["-nthreads", str(threads)]
    shapes = {t["name"]: t["shape"] for t in inputs}
    if shapes and all(isinstance(d, int) for s in shapes.values() for d in s):
        cmd += ["-shape", ",".join(f"{n}[{','.join(map(str, s))}]" for n, s in shapes.items())]
    return cmd


def openvino_component(path: Path, comp: dict, options: dict, *, runs: int, threads: int | None) -> dict:
    cmd = [benchmark_app(), *benchmark_app_args(str(path), comp.get("inputs", []), options, runs=runs, threads=threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    stats = {k.lower(): float(v) for k, v in _STAT.findall(proc.stdout)}
    if proc.returncode != 0 or "median" not in stats:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["?"]
        return {"tool": "benchmark_app", "command": shlex.join(cmd), "error": tail[0][:200]}
    return {"tool": "benchmark_app", "command": shlex.join(cmd), "median_ms": stats["median"],
            "mean_ms": stats.get("average"), "min_ms": stats.get("min"), "max_ms": stats.get("max")}


NATIVE = {"openvino": openvino_component}  # engine -> its own benchmark tool, run on one component file


def native_rows(result: dict, *, runs: int, threads: int | None, emit=print) -> list[dict]:
    """Runs the native tool for every bundle row whose engine has one; records it in the row (``native``)."""
    from ..bundle import open as open_bundle

    done = []
    for g in result.get("groups", []):
        for row in g["rows"]:
            if row.get("kind") != "bundle" or row.get("device") or not row.get("bundle"):
                continue
            b = open_bundle(row["bundle"])
            tool = NATIVE.get(b.engine_name)
            if tool is None:
                continue
            comps = {}
            for name, comp in b.components.items():
                opts = {**b.manifest["target"].get("engine_options", {}), **comp.get("engine_options", {}),
                        **(row.get("placement") or {})}
                emit(f"native: benchmark_app on {b.root.name}/{comp['file']}")
                comps[name] = tool(b.component_path(name), comp, opts, runs=runs, threads=threads)
            medians = [c.get("median_ms") for c in comps.values()]
            row["native"] = {"components": comps,
                             "total_median_ms": sum(medians) if all(m is not None for m in medians) else None}
            ours = row.get("latency_ms", {}).get(g["headline"], {})
            done.append({"name": row["name"], "ours_p50_ms": ours.get("p50"), "ours_headline": g["headline"],
                         "native_ms": row["native"]["total_median_ms"], "components": comps})
    return done
