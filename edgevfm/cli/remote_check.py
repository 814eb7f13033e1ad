"""`edgevfm check BUNDLE --on NAME[,NAME…]`: the same check on each device (against the bundle's
golden.npz there), one table with this host's result beside the devices'."""
from __future__ import annotations

import json
from pathlib import Path


def _worst_sqnr(doc: dict) -> str:
    vals = [m.get("sqnr_db") for outs in doc.get("components", {}).values() for m in outs.values() if "sqnr_db" in m]
    vals = [float(v) for v in vals if v is not None]
    if not vals:
        return "–"
    w = min(vals)
    return "exact" if w == float("inf") else f"{w:.1f} dB"


def check_on_devices(bundle, report, args, console) -> int:
    from rich.table import Table

    from edgevfm_runtime.bench.host import host_facts
    from edgevfm_runtime.report_text import to_json

    from ..devices.remote import remote_check
    from .device import facts_line, on_devices

    local = to_json(report, bundle=bundle)
    rows = [("this host", local, host_facts())]
    for d in on_devices(args):
        res = remote_check(d, bundle.root, args, emit=lambda s: console.print(s, markup=False))
        rows.append((d.name, res["report"], d.facts))
    table = Table(title=f"check {bundle.root.name}: this host and devices", title_justify="left")
    for col in ("where", "engine", "reference", "parity", "worst SQNR", "machine"):
        table.add_column(col, overflow="fold")
    for where, doc, facts in rows:
        table.add_row(where, doc.get("engine", ""), doc.get("reference", ""), "PASSED" if doc.get("passed") else "FAILED",
                      _worst_sqnr(doc), facts_line(facts))
    console.print(table)
    if args.json:  # the local report file gains the devices' reports
        path = Path(args.json)
        doc = json.loads(path.read_text())
        doc["devices"] = {where: {"report": d, "facts": f} for where, d, f in rows[1:]}
        path.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if all(doc.get("passed") for _, doc, _ in rows) else 1
