"""Student vs teacher SAM image encoder latency from two bundles, interleaved in one process.

`edgevfm bench` times contenders of the same model variant together; a student is another variant,
so this script times the two bundles' encoder files round-robin (A, B, A, B, ...) with the same
engine settings and reports medians and the ratio. Figures from a loaded host are ratios, not
absolute latencies.

    python bench/distill_sam/encoder_speed.py TEACHER_BUNDLE STUDENT_BUNDLE [--runs 10] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("teacher")
    ap.add_argument("student")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()

    import numpy as np
    import onnxruntime as ort

    from edgevfm_runtime import bundle as B

    sessions, rows = {}, {}
    for role, path in (("teacher", a.teacher), ("student", a.student)):
        b = B.open(path)  # verifies the files' checksums
        comp = b.manifest["components"]["encoder"]
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        sessions[role] = ort.InferenceSession(str(Path(path) / comp["file"]), so, providers=["CPUExecutionProvider"])
        rows[role] = {"bundle": str(path), "variant": b.manifest["model"]["variant"],
                      "preset": b.manifest["target"]["preset"], "times_ms": []}
    load_start = os.getloadavg()
    x = np.random.default_rng(0).standard_normal((1, 3, 1024, 1024)).astype(np.float32)
    for i in range(a.warmup + a.runs):
        for role, s in sessions.items():
            t = time.perf_counter()
            s.run(None, {s.get_inputs()[0].name: x})
            if i >= a.warmup:
                rows[role]["times_ms"].append(round((time.perf_counter() - t) * 1e3, 1))
    for r in rows.values():
        r["median_ms"] = statistics.median(r["times_ms"])
    out = {"schema_version": 1, "what": "SAM image encoder, 1x3x1024x1024, onnxruntime CPU, interleaved",
           "host": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "threads": a.threads,
           "load_average_1_5_15min": {"start": load_start, "end": os.getloadavg()}, "onnxruntime": ort.__version__, "rows": rows,
           "student_speedup": round(rows["teacher"]["median_ms"] / rows["student"]["median_ms"], 2)}
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text)


if __name__ == "__main__":
    main()
