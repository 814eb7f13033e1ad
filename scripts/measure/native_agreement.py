"""Our OpenVINO session vs OpenVINO's benchmark_app on the same IR, interleaved, same threads/precision/shape.

    python scripts/measure/native_agreement.py BUNDLE [--rounds 5] [--runs 30] [--threads 1] --json OUT.json --md OUT.md

Each round times our session (runtime `Bundle.session`, model alone: a fixed input, no pre/post-processing)
for --runs calls, then runs benchmark_app with -niter --runs; the medians of each round are compared.
benchmark_app's noise is its own min..max spread per round; we report both spreads and the ratio."""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def ours(bundle, name: str, runs: int, threads: int) -> list[float]:
    sess = bundle.session(name, threads=threads)
    comp = bundle.components[name]
    feed = {t["name"]: np.random.default_rng(0).standard_normal(t["shape"]).astype(t.get("dtype", "float32"))
            for t in comp["inputs"]}
    sess.run(feed)  # warm-up, as benchmark_app's first inference
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(feed)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def main() -> None:
    from edgevfm_runtime import bundle as B
    from edgevfm_runtime.bench.native import openvino_component

    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    a = ap.parse_args()
    b = B.open(a.bundle)
    name = next(iter(b.components))
    opts = {**b.manifest["target"].get("engine_options", {}), **b.components[name].get("engine_options", {})}
    rounds = []
    for i in range(a.rounds):
        mine = ours(b, name, a.runs, a.threads)
        nat = openvino_component(b.component_path(name), b.components[name], opts, runs=a.runs, threads=a.threads)
        rounds.append({"round": i, "ours_median_ms": statistics.median(mine), "ours_min_ms": min(mine),
                       "ours_max_ms": max(mine), **{f"native_{k}": v for k, v in nat.items()},
                       "loadavg": os.getloadavg()})
        print(json.dumps(rounds[-1]))
    om = statistics.median(r["ours_median_ms"] for r in rounds)
    nm = statistics.median(r["native_median_ms"] for r in rounds)
    res = {"bundle": str(a.bundle), "component": name, "threads": a.threads, "runs": a.runs, "rounds": rounds,
           "host": {"cpu": cpu_model(), "cores": os.cpu_count()}, "ours_median_ms": om, "native_median_ms": nm,
           "ratio_ours_over_native": om / nm}
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2)
    lines = [f"# benchmark_app vs our OpenVINO session, interleaved ({a.rounds} rounds × {a.runs} runs, "
             f"{a.threads} thread(s))", "", f"Host: {res['host']['cpu']} ({res['host']['cores']} cores, shared). "
             f"Component: `{name}` of `{os.path.basename(a.bundle.rstrip('/'))}`.", "",
             "| round | ours median ms (min–max) | benchmark_app median ms (min–max) | load avg (1 min) |",
             "|---|---|---|---|"]
    for r in rounds:
        lines.append(f"| {r['round']} | {r['ours_median_ms']:.2f} ({r['ours_min_ms']:.2f}–{r['ours_max_ms']:.2f}) | "
                     f"{r['native_median_ms']:.2f} ({r['native_min_ms']:.2f}–{r['native_max_ms']:.2f}) | "
                     f"{r['loadavg'][0]:.1f} |")
    lines += ["", f"Median of round medians: ours {om:.2f} ms, benchmark_app {nm:.2f} ms, ratio {om / nm:.3f}.",
              f"Command: `{next(r['native_command'] for r in rounds)}`", ""]
    with open(a.md, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
