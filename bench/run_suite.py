"""Run a bench suite and write its results (JSON + Markdown + PNG) under bench/results/.

    python bench/run_suite.py                                   # the published suite
    python bench/run_suite.py bench/suites/other.yaml --work /tmp/bundles --results bench/results

Bundles are exported into --work (default: bench/work, git-ignored) and reused when the suite says
``reuse: true``; results are named after the suite (``published.json`` …).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("suite", nargs="?", default=str(HERE / "suites" / "published.yaml"))
    ap.add_argument("--work", default=str(HERE / "work"), help="where bundles are exported (default: bench/work)")
    ap.add_argument("--results", default=str(HERE / "results"), help="where results go (default: bench/results)")
    args = ap.parse_args(argv)

    from edgevfm.bench.runner import run_suite
    from edgevfm.bench.suite import load_suite
    from edgevfm.bench.table import print_tables
    from edgevfm.cli.main import _console
    from edgevfm_runtime.bench.output import write_outputs

    console = _console()
    suite = load_suite(args.suite)
    t0 = time.perf_counter()
    result = run_suite(suite, work_dir=Path(args.work), emit=lambda s: console.print(s, markup=False))
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    result["command"] = "python bench/run_suite.py " + " ".join(sys.argv[1:])
    print_tables(result, console)
    out = Path(args.results)
    for p in write_outputs(result, json_path=out / f"{suite['name']}.json", md_path=out / f"{suite['name']}.md",
                           plot_path=out / f"{suite['name']}.png"):
        console.print(f"wrote {p}", markup=False)
    console.print(f"suite wall time {result['wall_seconds'] / 60:.1f} min", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
