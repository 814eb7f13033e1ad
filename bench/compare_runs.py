"""Do two bench results agree? For every row in both, the headline speed-ups, their 95 % CIs and
their round-to-round bands (10th–90th percentile of the per-round ratios).

    python bench/compare_runs.py bench/results/published.json /tmp/second.json [--vs onnx-fp32]

``--vs ROW`` recomputes every speed-up against that row from the stored samples (paired bootstrap),
e.g. to compare against a steadier reference than PyTorch eager.

Two runs agree on a ratio when one run's ratio lies inside the other's band (the noise the tool
reports for a ratio on this host); agreement by the same rule with the tighter CIs is printed too.
Exit 1 unless every ratio agrees within the bands.
"""
from __future__ import annotations

import argparse
import sys

from edgevfm_runtime.bench.output import read_json
from edgevfm_runtime.bench.stats import speedup


def rows(result: dict, vs: str | None = None) -> dict:
    out = {}
    for g in result["groups"]:
        h = g["headline"]
        base = next((r for r in g["rows"] if r["name"] == vs), None) if vs else None
        for r in g["rows"]:
            if vs and base and h in r.get("samples_ms", {}):
                out[(g["model"], r["name"])] = speedup(base["samples_ms"][h], r["samples_ms"][h])
            elif not vs and r.get("speedup", {}).get(h):
                out[(g["model"], r["name"])] = r["speedup"][h]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--vs", metavar="ROW", help="recompute speed-ups against this row (default: as stored)")
    args = ap.parse_args(argv)
    a, b = rows(read_json(args.a), args.vs), rows(read_json(args.b), args.vs)
    n_band = n_ci = total = 0
    print(f"{'model':8} {'row':28} {'run A: ratio (CI95) [band]':>34} {'run B: ratio (CI95) [band]':>34}  CI  band")
    for key in a:
        if key not in b or "band" not in a[key] or "band" not in b[key]:
            continue
        x, y = a[key], b[key]
        ci = within(x["speedup"], y["ci95"]) or within(y["speedup"], x["ci95"])
        band = within(x["speedup"], y["band"]) or within(y["speedup"], x["band"])
        total += 1
        n_ci += ci
        n_band += band
        fmt = lambda s: (f"{s['speedup']:.2f} ({s['ci95'][0]:.2f}–{s['ci95'][1]:.2f}) "  # noqa: E731
                         f"[{s['band'][0]:.2f}–{s['band'][1]:.2f}]")
        print(f"{key[0]:8} {key[1]:28} {fmt(x):>34} {fmt(y):>34}  {'yes' if ci else 'no ':3} {'yes' if band else 'NO'}")
    print(f"{n_band}/{total} speed-ups agree within the round-to-round bands ({n_ci}/{total} within the 95% CIs)")
    return 0 if total and n_band == total else 1


def within(v: float, interval) -> bool:
    return interval[0] <= v <= interval[1]


if __name__ == "__main__":
    sys.exit(main())
