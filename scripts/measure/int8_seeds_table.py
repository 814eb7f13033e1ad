"""Markdown table of an INT8 checkpoint sweep: one bundle folder per (model, preset, checkpoint), exported
with ``--no-parity-gate`` so a failing gate still leaves its measured parity in the manifest.

    python scripts/measure/int8_seeds_table.py SWEEP_DIR > bench/results/int8_seeds.md
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _worst(metrics: dict) -> str:
    """The lowest SQNR over components/outputs, and the task metrics."""
    sq = [(f"{c}.{o}", v["sqnr_db"]) for c, outs in metrics.get("components", {}).items()
          for o, v in outs.items() if isinstance(v, dict) and v.get("sqnr_db") is not None]
    parts = []
    if sq:
        name, db = min(sq, key=lambda t: t[1])
        parts.append(f"min SQNR {db:.1f} dB ({name})")
    parts += [f"{k} {v:.4f}" for k, v in metrics.get("task", {}).items() if isinstance(v, (int, float))]
    return ", ".join(parts)


def _kept(component: dict) -> str:
    q = component.get("quantization") or {}
    sens = q.get("sensitivity") or {}
    fallbacks = [f["block"] for f in sens.get("fallbacks", [])] if isinstance(sens, dict) else []
    kept = q.get("float_kept") or {}
    nodes = kept.get("nodes", []) if isinstance(kept, dict) else list(kept)
    pats = kept.get("patterns", []) if isinstance(kept, dict) else []
    text = f"{len(nodes)} float nodes" + (f" (recipe: {', '.join(f'`{p}`' for p in pats)})" if pats else "") \
        if nodes else "none"
    if fallbacks:
        text += f"; accuracy-budget fallback: {', '.join(fallbacks)}"
    if component.get("precision") != "int8":
        text = f"whole component {component.get('precision')}"
    return text


def rows(sweep: Path):
    for m in sorted(sweep.glob("*/manifest.json")):
        man = json.loads(m.read_text())
        p = man["parity"]
        model, preset = man["model"]["name"], man.get("target", {}).get("preset") or man.get("preset", "?")
        yield (model, preset, m.parent.name.rsplit("-", 1)[-1], p["status"], "; ".join(p.get("failures", []))[:120],
               _worst(p.get("metrics", {})),
               "<br>".join(f"{c}: {_kept(v)}" for c, v in man["components"].items()))


def main(argv: list[str]) -> int:
    sweep = Path(argv[0])
    print("| model | preset | checkpoint | gate | failures | metrics | kept in higher precision |")
    print("|---|---|---|---|---|---|---|")
    for r in rows(sweep):
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
