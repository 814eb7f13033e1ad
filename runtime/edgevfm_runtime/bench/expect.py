"""What a suite expects of its result, checked on the measured samples: a row at least N× faster
than another (median ratio of the headline step, same rounds), a row's within-row ratio at least N×
(e.g. SAM's K single calls / one batched call), a row's parity at least N dB, a task metric at least N
(e.g. mask IoU), or a row's headline p50 at most N ms (an absolute bar: only meaningful on the host the
suite names)."""
from __future__ import annotations

import numpy as np

from .stats import speedup


def _row(group: dict, name: str) -> dict | None:
    return next((r for r in group["rows"] if r["name"] == name), None)


def check_expectation(group: dict, rule: dict) -> dict:
    """One rule on one group: {rule, value, passed} (passed None: a row it names was not timed)."""
    h = group["headline"]
    row = _row(group, rule["row"])
    if "ratio" in rule:  # a within-row ratio (the workload's slow step / fast step)
        text = f"{rule['row']} {rule['ratio']} ≥ {rule['at_least']:g}×"
        r = ((row or {}).get("ratios") or {}).get(rule["ratio"])
        if not r:
            return {"rule": text, "value": None, "passed": None}
        return {"rule": f"{text} ({r['slow']} / {r['fast']})", "value": round(r["speedup"], 3),
                "band": [round(x, 3) for x in r["band"]], "passed": r["speedup"] >= rule["at_least"]}
    if "min_sqnr_db" in rule:
        text = f"{rule['row']} parity ≥ {rule['min_sqnr_db']:g} dB"
        value = ((row or {}).get("parity") or {}).get("min_sqnr_db")
        return {"rule": text, "value": value, "unit": "dB",
                "passed": None if value is None else value >= rule["min_sqnr_db"]}
    if "min_task" in rule:
        (metric, bar), = rule["min_task"].items()
        text = f"{rule['row']} {metric} ≥ {bar:g}"
        value = (((row or {}).get("parity") or {}).get("task") or {}).get(metric)
        return {"rule": text, "value": value, "unit": "", "passed": None if value is None else value >= bar}
    if "max_ms" in rule:
        text = f"{rule['row']} {h} p50 ≤ {rule['max_ms']:g} ms"
        ms = ((row or {}).get("samples_ms") or {}).get(h)
        if not ms:
            return {"rule": text, "value": None, "passed": None}
        p50 = float(np.median(ms))
        return {"rule": text, "value": round(p50, 2), "unit": "ms", "passed": p50 <= rule["max_ms"]}
    text = f"{rule['row']} ≥ {rule['at_least']:g}× {rule['vs']} ({h})"
    base = _row(group, rule["vs"])
    a = ((base or {}).get("samples_ms") or {}).get(h)
    b = ((row or {}).get("samples_ms") or {}).get(h)
    if not a or not b:
        return {"rule": text, "value": None, "passed": None}
    sp = speedup(a, b)
    return {"rule": text, "value": round(sp["speedup"], 3), "band": [round(x, 3) for x in sp["band"]],
            "passed": sp["speedup"] >= rule["at_least"]}


def check_expectations(group: dict, rules: list[dict]) -> list[dict]:
    return [check_expectation(group, r) for r in rules]
