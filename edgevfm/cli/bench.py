"""`edgevfm bench`: bundles side by side with baseline rows; `MODEL --all-targets`; `--suite FILE`."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def add_bench_parser(sub) -> argparse.ArgumentParser:
    from edgevfm_runtime.bench.cli import add_bench_arguments

    p = sub.add_parser("bench", help="latency percentiles, memory and parity of bundles (interleaved), with "
                                     "PyTorch-eager and plain-ONNX baselines; MODEL --all-targets; --suite FILE",
                       description="edgevfm bench BUNDLE... | edgevfm bench MODEL --all-targets | edgevfm bench --suite FILE")
    add_bench_arguments(p, bundles_required=False)
    p.set_defaults(runs=None, warmup=None)  # --suite: only given ones override the suite's (recorded in the result)
    p.add_argument("--baselines", default="pytorch-eager-fp32,plain-onnx-fp32", metavar="A,B",
                   help="baseline rows built from the first bundle's model (default: %(default)s)")
    p.add_argument("--no-baselines", action="store_true", help="bundles only")
    p.add_argument("--weights", metavar="SPEC",
                   help="bundles: the checkpoint behind them for the baselines (default: the manifest's random seed or "
                        "the cached official file); --all-targets: what to export (default random:0)")
    p.add_argument("--all-targets", action="store_true",
                   help="BUNDLE is a MODEL name: export to every preset available here, check and bench them all")
    p.add_argument("--targets", metavar="A,B",
                   help="--all-targets: only these presets; --suite: keep only these of the suite's (said in the result)")
    p.add_argument("--variant", help="--all-targets: model variant")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="--all-targets: recipe override; repeatable")
    p.add_argument("--reuse", action="store_true",
                   help="--all-targets/--suite: keep a bundle already in -o DIR built from the same model, weights and recipe")
    p.add_argument("--suite", metavar="NAME|FILE",
                   help="run a bench suite: a YAML file, or the name of one in bench/suites (published, edge, …)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="--all-targets/--suite: where bundles go (default: a temporary folder)")
    p.add_argument("--only", metavar="MODEL,…", help="--suite: run only these models' entries (said in the result)")
    p.add_argument("--results", metavar="DIR",
                   help="--suite: write DIR/<suite>.json/.md/.png (e.g. bench/results); default with -o: into -o")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                   help="do two bench results agree on their speed-ups (each within the other's round-to-round "
                        "band)? --baseline ROW recomputes them against that row; exit 1 unless all agree")
    from .device import add_on_argument

    add_on_argument(p)
    p.add_argument("--native", action="store_true",
                   help="also run the engine's own benchmark tool on each bundle file (OpenVINO: benchmark_app) "
                        "and show its figure beside ours")
    return p


def cmd_bench(args) -> int:
    from rich.progress import Progress

    from edgevfm_runtime.bench.output import write_outputs
    from edgevfm_runtime.errors import InputError

    from ..bench.table import print_tables
    from ._console import console as _console

    console = _console()
    emit = lambda s: console.print(s, markup=False, highlight=False)  # noqa: E731
    if args.compare:
        from edgevfm_runtime.bench.compare import print_comparison

        return print_comparison(*args.compare, vs=args.baseline)
    modes = sum(bool(x) for x in (args.suite, args.all_targets))
    if modes > 1 or (args.suite and args.bundles) or (not args.suite and not args.bundles):
        raise InputError("edgevfm bench: give BUNDLE..., or MODEL --all-targets, or --suite FILE")
    with tempfile.TemporaryDirectory(prefix="edgevfm-bench-") as tmp:
        work = Path(args.output) if args.output else Path(tmp)
        with Progress(console=console, transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("timing", total=None)
            on_round = lambda model, r: bar.update(task, description=f"timing {model}: round {r + 1}")  # noqa: E731
            result = _run(args, work, emit, on_round)
        if args.on:
            from .device import bench_on_devices

            bench_on_devices(result, args, console)
        if args.native:
            from .native import print_native

            print_native(result, args, console, emit)
        from edgevfm_runtime.placement import placement

        result.setdefault("settings", {})["placement"] = placement(args) or None
        print_tables(result, console)
        paths = {"json_path": args.json, "md_path": args.md, "plot_path": args.plot}
        folder = args.results or (args.output if args.suite else None)
        if args.suite and folder and not any(paths.values()):
            name, folder = result.get("suite", {}).get("name", "bench"), Path(folder)
            paths = {"json_path": folder / f"{name}.json", "md_path": folder / f"{name}.md",
                     "plot_path": folder / f"{name}.png"}
        for p in write_outputs(result, **paths):
            console.print(f"wrote {p}", markup=False)
    return 0


def _run(args, work: Path, emit, on_round) -> dict:
    from edgevfm_runtime.bench import run_bench
    from edgevfm_runtime.bench.cli import bundle_specs
    from edgevfm_runtime.errors import InputError

    from ..bench.runner import PROBE_IMPORTS, run_entry, run_suite
    from ..bench.suite import DEFAULTS, load_suite

    command = getattr(args, "command_line", None) or "edgevfm " + " ".join(sys.argv[1:])
    baselines = [] if args.no_baselines else [b for b in args.baselines.split(",") if b]
    if args.suite:
        only = args.only.split(",") if args.only else None
        targets = args.targets.split(",") if args.targets else None
        return run_suite(with_overrides(load_suite(args.suite), runs=args.runs, warmup=args.warmup, only=only,
                                        memory=False if args.no_memory else None, targets=targets),
                         work_dir=work, emit=emit, on_round=on_round, command=command)
    args.runs = DEFAULTS["runs"] if args.runs is None else args.runs
    args.warmup = DEFAULTS["warmup"] if args.warmup is None else args.warmup
    if args.all_targets:
        if len(args.bundles) != 1:
            raise InputError("edgevfm bench MODEL --all-targets takes one model name")
        entry = {**DEFAULTS, "model": args.bundles[0], "variant": args.variant, "weights": args.weights or "random:0",
                 "targets": args.targets.split(",") if args.targets else None, "set": args.set or [],
                 "runs": args.runs, "warmup": args.warmup, "threads": args.threads, "baselines": baselines,
                 "memory": not args.no_memory}
        return run_entry(entry, work_dir=work, reuse=args.reuse, emit=emit, on_round=on_round, command=command)
    from ..bench import kinds  # noqa: F401 - registers the pytorch contender kind
    from ..bench.baselines import baseline_specs

    from edgevfm_runtime.placement import place_specs, placement

    specs = bundle_specs(args.bundles)
    place_specs(specs, placement(args))  # --provider/--device: the bundle rows; baselines stay on the CPU
    if baselines:
        specs = baseline_specs(args.bundles[0], baselines, work / "baselines", weights=args.weights, emit=emit) + specs
    return run_bench(specs, runs=args.runs, warmup=args.warmup, threads=args.threads, baseline=args.baseline,
                     cool_down_ms=args.cool_down_ms,
                     memory=not args.no_memory, probe_imports=PROBE_IMPORTS, emit=emit, on_round=on_round,
                     command=command, headline=args.headline)


def with_overrides(suite: dict, *, runs: int | None, warmup: int | None, only: list[str] | None = None,
                   memory: bool | None = None, targets: list[str] | None = None) -> dict:
    """The suite with ``--runs`` / ``--warmup`` / ``--no-memory`` applied to every entry, ``--only``
    models and ``--targets`` presets kept, said in the suite's note (a reduced result must say so)."""
    from edgevfm_runtime.errors import InputError

    given = {k: v for k, v in (("runs", runs), ("warmup", warmup), ("memory", memory)) if v is not None}
    entries, notes = suite["entries"], [suite.get("note")]
    if only:
        unknown = set(only) - {e["model"] for e in entries}
        if unknown:
            raise InputError(f"--only {','.join(sorted(unknown))}: not in suite {suite['name']} "
                             f"({', '.join(e['model'] for e in entries)})")
        notes.append(f"Only {', '.join(only)} of the suite's {', '.join(e['model'] for e in entries)} (--only).")
        entries = [e for e in entries if e["model"] in only]
    if targets:
        entries, note = _keep_targets(entries, targets, suite["name"])
        notes.append(note)
    if given:
        was = "; ".join(f"{e['model']} {'/'.join(str(e[k]) for k in given)}" for e in entries)
        flags = ", ".join("--no-memory" if k == "memory" else f"--{k} {v}" for k, v in given.items())
        notes.append(f"Reduced from the suite's settings: {flags} on the "
                     f"command line (the suite says {'/'.join(given)}: {was}).")
    return {**suite, "note": " ".join(x for x in notes if x), "entries": [{**e, **given} for e in entries]}


def _keep_targets(entries: list[dict], targets: list[str], suite: str) -> tuple[list[dict], str]:
    from edgevfm_runtime.errors import InputError

    had = {t for e in entries for t in e["targets"] or []}
    unknown = set(targets) - had
    if unknown:
        raise InputError(f"--targets {','.join(sorted(unknown))}: not among suite {suite}'s presets ({', '.join(sorted(had))})")
    kept = [{**e, "targets": [t for t in e["targets"] or [] if t in targets]} for e in entries]
    dropped = sorted(had - set(targets))
    return kept, f"Only the presets {', '.join(targets)} (--targets); not run: {', '.join(dropped) or 'none'}."
