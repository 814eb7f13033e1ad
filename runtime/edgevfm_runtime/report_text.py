"""Plain-text and JSON forms of a check report (the runtime has no rich; the toolkit prints a rich table)."""
from __future__ import annotations

import math

from .check import SCHEMA_VERSION, CheckReport
from .parity import EXPLAIN

TENSOR_COLS = ("max_abs", "mean_abs", "cosine", "sqnr_db")


def fmt(v) -> str:
    if isinstance(v, str):
        return v
    if v == float("inf") or abs(v) >= 1000:
        return f"{v:.3g}"
    return f"{v:.6f}" if abs(v) < 10 else f"{v:.2f}"


def task_columns(report: CheckReport) -> list[str]:
    """Task-metric columns in EXPLAIN order: per-output ones (mask_iou) and the family's task ones."""
    used = {k for outs in report.components.values() for m in outs.values() for k in m} | set(report.task)
    return [k for k in EXPLAIN if k in used and k not in TENSOR_COLS]


def rows(report: CheckReport) -> tuple[list[str], list[list[str]], list[bool]]:
    """Header, cells and ok-flags: one row per component output, one for the task metrics."""
    extra = task_columns(report)
    header = ["component", "output", *TENSOR_COLS, *extra, "status"]
    body, ok = [], []
    for comp, outs in report.components.items():
        for name, m in outs.items():
            cells = [fmt(m[k]) if k in m else "" for k in (*TENSOR_COLS, *extra)]
            bad = m.get("failures")
            body.append([comp, name, *cells, "FAIL " + "; ".join(bad) if bad else "ok"])
            ok.append(not bad)
    if report.task:
        cells = ["" for _ in TENSOR_COLS] + [fmt(report.task[k]) if k in report.task else "" for k in extra]
        bad = report.task_failures
        body.append(["task", "(end to end)", *cells, "FAIL " + "; ".join(bad) if bad else "ok"])
        ok.append(not bad)
    return header, body, ok


def explanations(report: CheckReport) -> list[str]:
    used = {k for outs in report.components.values() for m in outs.values() for k in m} | set(report.task)
    return [f"{k}: {text}" for k, text in EXPLAIN.items() if k in used]


def format_text(report: CheckReport) -> str:
    header, body, _ = rows(report)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [f"parity vs {report.reference}  ({report.engine})", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    out += ["  " + e for e in explanations(report)]
    out.append("PASSED" if report.passed else "FAILED: " + "; ".join(report.failed))
    return "\n".join(out)


def finite(obj):
    """JSON has no infinity: identical outputs give SQNR = inf, written as the string "inf"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "inf" if obj > 0 else ("-inf" if obj < 0 else "nan")
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def to_json(report: CheckReport, *, bundle) -> dict:
    """Versioned machine form of a check (schema documented in bench/README.md)."""
    from .hashing import sha256_path

    return finite({"schema_version": SCHEMA_VERSION, "kind": "edgevfm-check", "bundle": str(bundle.root),
                   "bundle_sha256": sha256_path(bundle.root / "manifest.json"),
                   "model": bundle.model, "variant": bundle.variant, "preset": bundle.preset, **report.to_json()})
