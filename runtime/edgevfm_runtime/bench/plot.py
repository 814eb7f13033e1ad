"""Latency vs parity, one panel per model: where each bundle sits between fast and faithful."""
from __future__ import annotations

import math
from pathlib import Path

MARKERS = {"bundle": "o", "pytorch": "s", "onnx-files": "^", "model-files": "^"}


def plot(result: dict, path: str | Path) -> Path:
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in result["groups"] if any(r.get("latency_ms") for r in g["rows"])]
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(6.5 * max(1, len(groups)), 5), squeeze=False)
    for ax, g in zip(axes[0], groups):
        rows = [r for r in g["rows"] if r.get("latency_ms", {}).get(g["headline"])]
        finite = [r["parity"]["min_sqnr_db"] for r in rows
                  if (r.get("parity") or {}).get("min_sqnr_db") not in (None, float("inf"))]
        exact_x = (max(finite) if finite else 100) + 15  # bit-identical outputs (SQNR = inf) drawn here
        for r in rows:
            p = r.get("parity") or {}
            x = p.get("min_sqnr_db")
            x = exact_x if x is None or x == float("inf") or (isinstance(x, float) and math.isnan(x)) else x
            lat = r["latency_ms"][g["headline"]]
            color = {True: "tab:green", False: "tab:red"}.get(p.get("passed"), "tab:gray")  # None: a baseline, not gated
            ax.errorbar([x], [lat["p50"]], yerr=[[lat["p50"] - lat["min"]], [lat["p90"] - lat["p50"]]],
                        fmt=MARKERS.get(r.get("kind"), "o"), color=color, capsize=3)
            ax.annotate(r["name"], (x, lat["p50"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
        ax.axvline(exact_x - 7, color="0.85", lw=0.8)
        ax.set_xlabel("parity: worst output SQNR vs torch FP32 (dB; right edge = exact)")
        ax.set_ylabel(f"{g['headline']} latency p50 ms (bars: min–p90)")
        ax.set_title(f"{g['model']}/{g['variant']}", fontsize=10)
        ax.grid(alpha=0.3)
    h = result.get("host", {})
    fig.suptitle(f"edgevfm bench — {h.get('cpu', '')}, {result['settings'].get('threads') or 'default'} threads "
                 "(green: parity passed; circle: bundle, square: PyTorch eager, triangle: plain ONNX)", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
