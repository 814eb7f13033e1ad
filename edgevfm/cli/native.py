"""`edgevfm bench --native`: the engine's own benchmark figure beside ours, per bundle row."""
from __future__ import annotations


def print_native(result: dict, args, console, emit) -> list[dict]:
    from rich.markup import escape
    from rich.table import Table

    from edgevfm_runtime.bench.native import native_rows

    done = native_rows(result, runs=args.runs or 20, threads=args.threads, emit=emit)
    if not done:
        console.print("--native: no bundle here has an engine with a native benchmark tool "
                      "(today: OpenVINO's benchmark_app for x86-* bundles)", markup=False)
        return done
    table = Table(title="native cross-check (model files alone; ours also holds pre/post-processing)",
                  title_justify="left")
    for col in ("name", "ours p50 ms (step)", "benchmark_app median ms (sum)", "per component", "command"):
        table.add_column(col, overflow="fold")
    for d in done:
        per = ", ".join(f"{n} {c['median_ms']:.2f}" if "median_ms" in c else f"{n}: {c['error']}"
                        for n, c in d["components"].items())
        ours = f"{d['ours_p50_ms']:.2f} ({d['ours_headline']})" if d["ours_p50_ms"] is not None else "–"
        native = f"{d['native_ms']:.2f}" if d["native_ms"] is not None else "–"
        table.add_row(escape(d["name"]), ours, native, escape(per),
                      escape(next(iter(d["components"].values()))["command"]))
    console.print(table)
    return done
