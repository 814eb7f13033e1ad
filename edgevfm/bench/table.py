"""The bench result as rich tables (one per model), the cells shared with the Markdown/plain forms."""
from __future__ import annotations

from edgevfm_runtime.bench.host_notes import host_notes
from edgevfm_runtime.bench.report import COLUMNS, group_title, host_line, row_cells


def print_tables(result: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(escape(host_line(result)), style="dim")
    for note in host_notes(result):
        console.print(escape(note), style="yellow")
    for g in result["groups"]:
        cells = [row_cells(g, r) for r in g["rows"]]
        keep = [i for i, c in enumerate(COLUMNS) if any(row[i] for row in cells)]
        table = Table(title=escape(group_title(g, result)), title_justify="left")
        for i in keep:
            table.add_column(COLUMNS[i], justify="right" if i >= 4 else "left", overflow="fold")
        for row in cells:
            table.add_row(*[escape(row[i]) for i in keep])
        console.print(table)
    console.print("[dim]speed-up = median(baseline)/median(row) of the headline step, 95% CI by paired bootstrap "
                  "over interleaved rounds; noise = half the IQR relative to the median; parity = worst SQNR over "
                  "all outputs vs torch FP32 + task metrics[/dim]")
