"""Do two bench results agree? For every row in both, the headline speed-ups, their 95 % CIs and
their round-to-round bands (10th–90th percentile of the per-round ratios).

    edgevfm bench --compare bench/results/published.json /tmp/second.json [--baseline onnx-fp32]

``vs`` (``--baseline ROW``) recomputes every speed-up against that row from the stored samples
(paired bootstrap), e.g. to compare against a steadier reference than PyTorch eager.

Two runs agree on a ratio when one run's ratio lies inside the other's band (the noise the tool
reports for a ratio on this host); agreement by the same rule with the tighter CIs is printed too.
"""
from __future__ import annotations

from .output import read_json
from .stats import speedup


def headline_speedups(result: dict, vs: str | None = None) -> dict:
    """{(model, row): speed-up dict} of the headline step, as stored or recomputed against ``vs``."""
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


def within(v: float, interval) -> bool:
    return interval[0] <= v <= interval[1]


def compare(a: dict, b: dict, vs: str | None = None) -> list[dict]:
    """One entry per ratio present in both: the two speed-ups and whether they agree (CI, band)."""
    sa, sb = headline_speedups(a, vs), headline_speedups(b, vs)
    out = []
    for key, x in sa.items():
        y = sb.get(key)
        if y is None or "band" not in x or "band" not in y:
            continue
        out.append({"model": key[0], "row": key[1], "a": x, "b": y,
                    "ci": within(x["speedup"], y["ci95"]) or within(y["speedup"], x["ci95"]),
                    "band": within(x["speedup"], y["band"]) or within(y["speedup"], x["band"])})
    return out


def print_comparison(path_a: str, path_b: str, *, vs: str | None = None, out=print) -> int:
    """Prints the comparison; 0 when every shared ratio agrees within the bands, else 1."""
    pairs = compare(read_json(path_a), read_json(path_b), vs)

    def fmt(s):
        return f"{s['speedup']:.2f} ({s['ci95'][0]:.2f}–{s['ci95'][1]:.2f}) [{s['band'][0]:.2f}–{s['band'][1]:.2f}]"

    out(f"{'model':8} {'row':28} {'run A: ratio (CI95) [band]':>34} {'run B: ratio (CI95) [band]':>34}  CI  band")
    for p in pairs:
        out(f"{p['model']:8} {p['row']:28} {fmt(p['a']):>34} {fmt(p['b']):>34}  "
            f"{'yes' if p['ci'] else 'no ':3} {'yes' if p['band'] else 'NO'}")
    n_band, n_ci = sum(p["band"] for p in pairs), sum(p["ci"] for p in pairs)
    out(f"{n_band}/{len(pairs)} speed-ups agree within the round-to-round bands ({n_ci}/{len(pairs)} within the 95% CIs)")
    return 0 if pairs and n_band == len(pairs) else 1
