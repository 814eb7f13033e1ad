"""Do two bench results agree? For every row in both, the headline speed-ups and their 95 % CIs.

    python bench/compare_runs.py bench/results/published.json /tmp/second.json [--vs onnx-fp32]

``--vs ROW`` recomputes every speed-up against that row from the stored samples (paired bootstrap),
e.g. to compare against a steadier reference than PyTorch eager.
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
    agree = total = 0
    print(f"{'model':8} {'row':28} {'run A':>22} {'run B':>22}  agree")
    for key in a:
        if key not in b:
            continue
        x, y = a[key], b[key]
        ok = x["ci95"][0] <= y["speedup"] <= x["ci95"][1] or y["ci95"][0] <= x["speedup"] <= y["ci95"][1]
        total += 1
        agree += ok
        fmt = lambda s: f"{s['speedup']:.2f} ({s['ci95'][0]:.2f}–{s['ci95'][1]:.2f})"  # noqa: E731
        print(f"{key[0]:8} {key[1]:28} {fmt(x):>22} {fmt(y):>22}  {'yes' if ok else 'NO'}")
    print(f"{agree}/{total} speed-ups agree within the reported 95% intervals")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
