"""Markdown table of an INT8 checkpoint sweep: one bundle folder per (model, preset, checkpoint), exported
with ``--no-parity-gate`` so a failing gate still leaves its measured parity in the manifest.

    python scripts/measure/int8_seeds_table.py SWEEP_DIR > bench/results/int8_seeds.md
    python scripts/measure/int8_seeds_table.py --summary SWEEP_DIR   # preset × checkpoint verdicts
"""
from __future__ import annotations

import json
import re
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
    if isinstance(sens, dict) and "target_sqnr_db" in sens:
        text += "; " + _budget(sens)
    if isinstance(sens, dict) and sens.get("full_fallback"):
        text = f"whole component {component.get('precision')} (accuracy budget: full fallback); " + _budget(sens)
    elif component.get("precision") != "int8":
        text = f"whole component {component.get('precision')}"
    return text


def _budget(sens: dict) -> str:
    """The accuracy budget's record: target, all-INT8 and final SQNR on the calibration feeds, what reverted."""
    first = sens.get("all_int8", {}).get("sqnr_db")
    last = sens.get("sqnr_db", (sens.get("fallbacks") or [{}])[-1].get("sqnr_db", first))
    reverted = sens.get("reverted")
    text = f"budget {sens['target_sqnr_db']:g} dB on calibration: all-INT8 {first} → {last} dB"
    if reverted:
        text += f", {len(reverted)} op(s) reverted to float activations: " + ", ".join(f"`{n}`" for n in reverted)
    return text + ("" if sens.get("reached") else " (NOT reached)")


def _seconds(bundle: Path) -> str:
    """Export wall time from ``<bundle>.log`` (the CLI's "export success ✅ Ns" line), when kept."""
    log = bundle.with_suffix(".log")
    m = re.search(r"export success \S+ ([\d.]+)s", log.read_text(errors="replace")) if log.exists() else None
    return f"{float(m.group(1)):.0f}" if m else ""


def rows(sweep: Path):
    for m in sorted(sweep.glob("*/manifest.json")):
        man = json.loads(m.read_text())
        p = man["parity"]
        model, preset = man["model"]["name"], man.get("target", {}).get("preset") or man.get("preset", "?")
        name = m.parent.name
        checkpoint = name.split("__")[0] if "__" in name else name.rsplit("-", 1)[-1]
        yield (model, preset, checkpoint, p["status"], "; ".join(p.get("failures", []))[:120],
               _worst(p.get("metrics", {})),
               "<br>".join(f"{c}: {_kept(v)}" for c, v in man["components"].items()), _seconds(m.parent))


def _mark(man_path: Path) -> str:
    """✅/❌ for the gate, + how many blocks/operations the accuracy budget kept float (F: whole component)."""
    man = json.loads(man_path.read_text())
    mark = {"passed": "✅", "failed": "❌"}.get(man["parity"]["status"], man["parity"]["status"])
    for comp in man["components"].values():
        sens = (comp.get("quantization") or {}).get("sensitivity") or {}
        if sens.get("full_fallback"):
            mark += " F"
        elif sens.get("fallbacks") or sens.get("reverted"):
            mark += f" +{len(sens.get('fallbacks') or sens.get('reverted'))}"
    return mark


def summary(sweep: Path) -> None:
    """A preset × checkpoint matrix of gate verdicts."""
    cells: dict[tuple, str] = {}
    for m in sorted(sweep.glob("*/manifest.json")):
        man = json.loads(m.read_text())
        cells[(man["target"]["preset"], m.parent.name.split("__")[0])] = _mark(m)
    presets = sorted({p for p, _ in cells})
    ckpts = sorted({c for _, c in cells}, key=lambda c: (not c.startswith("golden"), c))
    print("| preset | " + " | ".join(ckpts) + " |")
    print("|---|" + "---|" * len(ckpts))
    for p in presets:
        print(f"| {p} | " + " | ".join(cells.get((p, c), "–") for c in ckpts) + " |")


def main(argv: list[str]) -> int:
    sweep = Path(argv[-1])
    if argv[0] == "--summary":
        summary(sweep)
        return 0
    print("| model | preset | checkpoint | gate | failures | metrics | kept in higher precision | export s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows(sweep):
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
