"""Side by side in one process: the C++ SAM pipeline (C ABI: embed + predict, pre/post-processing
included) and the Python runtime's, on the same bundle, photo and prompt, alternating round by round.
Also the pre-processing share of each (C++: `edgevfm-cpp bench`'s preprocess stage).

usage: python cpp/bench/sam_cpp_vs_python.py BUILD_DIR BUNDLE [--rounds N] [--out FILE.md]
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import edgevfm_runtime as rt  # noqa: E402
from edgevfm_runtime import golden as G  # noqa: E402
from edgevfm_runtime.sam.transforms import encoder_input  # noqa: E402
from tests.cpp import capi  # noqa: E402


def host() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("bundle")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--out")
    a = ap.parse_args()
    build, bundle = Path(a.build), Path(a.bundle)
    rgb = next(io["src"]["image"] for io in G.parse(dict(np.load(bundle / "golden.npz")))["encoder"].values())
    h, w = rgb.shape[:2]
    prompt = dict(points=[[w * 0.5, h * 0.5]], labels=[1])
    py = rt.SamPredictor(rt.open(bundle))
    cpp = capi.Sam(capi.Bundle(capi.load(build / "libedgevfm.so"), bundle))
    t = {"python": [], "cpp": [], "python_pre": []}
    for _ in range(2):  # warm-up
        py.predict(py.embed(rgb), **prompt)
        cpp.predict(cpp.embed(rgb), **prompt)
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        py.predict(py.embed(rgb), **prompt)
        t["python"].append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        cpp.predict(cpp.embed(rgb), **prompt)
        t["cpp"].append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        encoder_input(rgb)
        t["python_pre"].append((time.perf_counter() - t0) * 1e3)
    with tempfile.TemporaryDirectory() as d:
        from PIL import Image

        Image.fromarray(rgb).save(Path(d) / "p.png")
        res = json.loads(subprocess.run([str(build / "edgevfm-cpp"), "bench", str(bundle), str(Path(d) / "p.png"),
                                         "--runs", str(a.rounds), "--point", f"{w * 0.5},{h * 0.5}", "--json"],
                                        capture_output=True, text=True, check=True).stdout)
    med = {k: float(np.median(v)) for k, v in t.items()}
    lat = res["groups"][0]["rows"][0]["latency_ms"]
    lines = [
        f"# C++ vs Python SAM pipeline (embed + predict, one {w}x{h} photo, one click), {a.rounds} alternating rounds",
        "",
        f"host: {host()}; bundle: {bundle.name} ({py.engine}); command: "
        f"`python cpp/bench/sam_cpp_vs_python.py BUILD {bundle.name} --rounds {a.rounds}`",
        "",
        f"* Python / C++ median time ratio: **{med['python'] / med['cpp']:.3f}** (>1: C++ faster)",
        f"* pre-processing share of the pipeline: Python {med['python_pre'] / med['python']:.1%}, "
        f"C++ {lat['preprocess']['p50'] / lat['pipeline']['p50']:.1%}",
        f"* C++ predict (decoder + mask post-processing) share: {lat['predict']['p50'] / lat['pipeline']['p50']:.1%}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        Path(a.out).write_text(text)


if __name__ == "__main__":
    main()
