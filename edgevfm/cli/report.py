"""Human-readable tables for check reports (shared by export and check)."""
from __future__ import annotations

from edgevfm_runtime.parity import EXPLAIN


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if abs(v) >= 1000 or v == float("inf"):
        return f"{v:.3g}"
    return f"{v:.6f}" if abs(v) < 10 else f"{v:.2f}"


def print_report(report, console) -> None:
    from rich.table import Table

    table = Table(title=f"parity vs {report.reference}  ({report.engine})")
    for col in ("component", "output", "max_abs", "mean_abs", "cosine", "sqnr_db", "mask_iou", "status"):
        table.add_column(col, justify="right" if col not in ("component", "output", "status") else "left")
    for comp, outs in report.components.items():
        for name, m in outs.items():
            cells = [_fmt(m[k]) if k in m else "" for k in ("max_abs", "mean_abs", "cosine", "sqnr_db", "mask_iou")]
            status = "[red]FAIL " + "; ".join(m["failures"]) if m.get("failures") else "[green]ok"
            table.add_row(comp, name, *cells, status)
    for k, v in report.task.items():
        status = "[red]FAIL" if report.task_failures else "[green]ok"
        table.add_row("pipeline", "(end to end)", "", "", "", "", _fmt(v) if k == "mask_iou" else "", status)
    console.print(table)
    used = {k for outs in report.components.values() for m in outs.values() for k in m} | set(report.task)
    for k, text in EXPLAIN.items():
        if k in used:
            console.print(f"  [dim]{k}: {text}[/dim]")
    verdict = "[bold green]PASSED" if report.passed else "[bold red]FAILED: " + "; ".join(report.failed)
    console.print(verdict)
