"""Latency vs parity, one panel per model: where each bundle sits between fast and faithful."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

MARKERS = {"bundle": "o", "pytorch": "s", "onnx-files": "^", "model-files": "^"}
LEGEND = "green: parity passed; circle: bundle, square: PyTorch eager, triangle: plain ONNX"


def plot(result: dict, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    fig = figure(result)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figure(result: dict):
    """The figure, laid out: the whole title inside, no point label over another."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in result["groups"] if any(r.get("latency_ms") for r in g["rows"])]
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(6.5 * max(1, len(groups)), 5), squeeze=False)
    labels = []
    for ax, g in zip(axes[0], groups):
        labels.append(_panel(ax, g))
    h = result.get("host", {})
    title = fig.suptitle(f"edgevfm bench — {h.get('cpu', '')}, {result['settings'].get('threads') or 'default'} "
                         f"threads\n({LEGEND})", fontsize=9)
    renderer = fig.canvas.get_renderer()
    _fit_title(fig, title, renderer)
    fig.tight_layout()  # makes room for the (wrapped) suptitle too
    for ax, texts in zip(axes[0], labels):
        _repel(fig, ax, texts, renderer)
    return fig


def _panel(ax, g: dict) -> list:
    rows = [r for r in g["rows"] if r.get("latency_ms", {}).get(g["headline"])]
    finite = [r["parity"]["min_sqnr_db"] for r in rows
              if (r.get("parity") or {}).get("min_sqnr_db") not in (None, float("inf"))]
    exact_x = (max(finite) if finite else 100) + 15  # bit-identical outputs (SQNR = inf) drawn here
    texts = []
    for r in rows:
        p = r.get("parity") or {}
        x = p.get("min_sqnr_db")
        x = exact_x if x is None or x == float("inf") or (isinstance(x, float) and math.isnan(x)) else x
        lat = r["latency_ms"][g["headline"]]
        color = {True: "tab:green", False: "tab:red"}.get(p.get("passed"), "tab:gray")  # None: a baseline, not gated
        ax.errorbar([x], [lat["p50"]], yerr=[[lat["p50"] - lat["min"]], [lat["p90"] - lat["p50"]]],
                    fmt=MARKERS.get(r.get("kind"), "o"), color=color, capsize=3,
                    zorder=3 if r.get("kind") == "bundle" else 2)  # ours on top where points coincide
        texts.append(ax.annotate(r["name"], (x, lat["p50"]), textcoords="offset points", xytext=(5, 4), fontsize=8))
    ax.axvline(exact_x - 7, color="0.85", lw=0.8)
    ax.set_xlabel("parity: worst output SQNR vs torch FP32 (dB; right edge = exact)")
    ax.set_ylabel(f"{g['headline']} latency p50 ms (bars: min–p90)")
    ax.set_title(f"{g['model']}/{g['variant']}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.margins(x=0.25, y=0.2)  # room for labels beside the outermost points
    return texts


def _fit_title(fig, title, renderer) -> None:
    """Re-wrap the title until it is no wider than the figure."""
    lines = title.get_text().split("\n")
    for width in range(140, 20, -10):
        if title.get_window_extent(renderer).width <= fig.bbox.width - 10:
            return
        title.set_text("\n".join(textwrap.fill(line, width) for line in lines))


def _repel(fig, ax, texts: list, renderer) -> None:
    """Move each label (in order) to the first offset where it overlaps no placed label and stays in the figure."""
    offsets = [(5, 4)] + [(dx, dy) for k in range(1, 12) for dy in (4 - 11 * k, 4 + 11 * k) for dx in (5, -5)]
    placed = []
    for t in texts:
        for dx, dy in offsets:
            t.set_position((dx, dy))
            t.set_horizontalalignment("left" if dx > 0 else "right")
            box = t.get_window_extent(renderer)
            inside = fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1
            if inside and not any(box.overlaps(b) for b in placed):
                break
        placed.append(t.get_window_extent(renderer))
