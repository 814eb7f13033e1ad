"""`bench` on the command line, shared by `edgevfm-rt bench` and `edgevfm bench` (which adds baselines)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .contenders import ContenderSpec


def int_at_least(low: int):
    """An argparse type: a whole number >= ``low`` (else a usage error, exit 2)."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {n}")
        return n
    return parse


def add_bench_arguments(p: argparse.ArgumentParser, *, bundles_required: bool = True) -> None:
    p.add_argument("bundles", nargs="+" if bundles_required else "*", metavar="BUNDLE", help="bundle folders")
    p.add_argument("--runs", type=int_at_least(1), default=20, help="timed iterations per contender (default 20)")
    p.add_argument("--warmup", type=int_at_least(0), default=3, help="untimed iterations first (default 3)")
    p.add_argument("--threads", type=int, default=None, help="engine threads (default: engine's choice)")
    p.add_argument("--cool-down-ms", type=float, default=200.0,
                   help="idle time before each timed iteration, so the previous contender's worker threads stop "
                        "spinning (default 200; 0 times back to back)")
    p.add_argument("--headline", metavar="STEP",
                   help="step the speed-ups are of (default: the family's; e.g. SAM: set_image, predict, pipeline)")
    p.add_argument("--baseline", metavar="NAME", help="row that speed-ups are relative to (default: the first)")
    p.add_argument("--no-memory", action="store_true", help="skip the per-contender peak-RSS probe (a subprocess each)")
    p.add_argument("--json", metavar="F", help="write the versioned JSON result")
    p.add_argument("--md", metavar="F", help="write a Markdown table")
    p.add_argument("--plot", metavar="F.png", help="write a latency-vs-parity plot (needs matplotlib)")
    from ..placement import add_placement_arguments

    add_placement_arguments(p)


def bundle_specs(paths: list[str]) -> list[ContenderSpec]:
    """One spec per bundle, named by its folder (made unique with a suffix when folders share a name)."""
    specs, seen = [], {}
    for p in paths:
        name = Path(p).resolve().name
        seen[name] = seen.get(name, 0) + 1
        specs.append(ContenderSpec(name if seen[name] == 1 else f"{name}#{seen[name]}", str(p)))
    return specs


def cmd_bench(args) -> int:
    import sys

    from .core import run_bench
    from .output import write_outputs
    from .report import to_text

    from ..placement import place_specs, placement

    specs, placed = bundle_specs(args.bundles), placement(args)
    place_specs(specs, placed)
    result = run_bench(specs, runs=args.runs, warmup=args.warmup, threads=args.threads,
                       cool_down_ms=args.cool_down_ms,
                       baseline=args.baseline, memory=not args.no_memory, headline=args.headline,
                       emit=lambda s: print(s, file=sys.stderr), command="edgevfm-rt " + " ".join(sys.argv[1:]))
    result["settings"]["placement"] = placed or None
    print(to_text(result))
    for p in write_outputs(result, json_path=args.json, md_path=args.md, plot_path=args.plot):
        print(f"wrote {p}")
    return 0
