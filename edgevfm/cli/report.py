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
    if report.engine.endswith("not run on this host"):
        verdict = "[bold yellow]NOT VERIFIED: " + escape("; ".join(report.failed))
    else:
        verdict = "[bold green]PASSED" if report.passed else "[bold red]FAILED: " + escape("; ".join(report.failed))
    console.print(verdict)
