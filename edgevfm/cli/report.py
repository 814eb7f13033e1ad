"""Human-readable tables for check reports (shared by export and check)."""
from __future__ import annotations

from edgevfm_runtime.report_text import explanations, rows


def print_report(report, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    header, body, ok = rows(report)
    table = Table(title=f"parity vs {escape(report.reference)}  ({escape(report.engine)})")
    for col in header:
        table.add_column(col, justify="left" if col in ("component", "output", "status") else "right")
    for cells, good in zip(body, ok):
        *values, status = (escape(c) for c in cells)
        table.add_row(*values, f"[green]{status}" if good else f"[red]{status}")
    console.print(table)
    for line in explanations(report):
        console.print(f"  [dim]{escape(line)}[/dim]")
    console.print("[bold green]PASSED" if report.passed else "[bold red]FAILED: " + escape("; ".join(report.failed)))


def print_not_verified(parity, console) -> None:
    """An export whose engine cannot run here: its parity is not verified (never a pass or a failure)."""
    from rich.markup import escape

    console.print("[bold yellow]parity: " + escape(parity.describe()))


def estimate_line(estimate: dict) -> str:
    """One line for a manifest's ``parity.host_estimate`` (worst SQNR per component, task metrics)."""
    if estimate.get("error"):
        return f"host estimate: none ({estimate['error']})"
    parts = []
    for comp, outs in estimate.get("components", {}).items():
        sq = [float(m["sqnr_db"]) for m in outs.values() if "sqnr_db" in m]
        if sq:
            parts.append(f"{comp} {min(sq):.1f} dB")
    parts += [f"{k} {float(v):.4f}" for k, v in estimate.get("task", {}).items()]
    return f"host estimate ({estimate.get('engine', '?').split(';')[0]}; not engine parity): " + ", ".join(parts)
