"""The accuracy budget of a quantized component, derived from its recipe's parity gate.

With the fallback to higher precision on (``quantize.sensitivity.enabled``), an INT8 preset aims at
the strictest SQNR threshold the gate puts on that component's outputs plus ``margin_db``: the
fallback measures on calibration feeds, never on the parity images, and the margin covers the gap
between the two. An explicit ``target_sqnr_db`` (the
recipe's, or ``--parity-target``) wins."""
from __future__ import annotations

import copy

from ..recipes import component_quantize

DEFAULT_MARGIN_DB = 0.0


def gate_sqnr_db(thresholds: dict, component: str) -> tuple[float, str] | None:
    """The strictest ``sqnr_db`` the gate asks of ``component``'s outputs, and which output it is."""
    found = [(float(t["sqnr_db"]), f"{component}.{out}") for out, t in thresholds.get(component, {}).items()
             if isinstance(t, dict) and "sqnr_db" in t]
    return max(found) if found else None


def with_gate_targets(recipe: dict, components: list[str]) -> dict:
    """``recipe`` with a ``target_sqnr_db`` (and where it came from) filled in for every component whose
    fallback is enabled without one."""
    out = copy.deepcopy(recipe)
    thresholds = recipe.get("parity", {}).get("thresholds", {})
    for name in components:
        sens = component_quantize(recipe, name).get("sensitivity", {})
        gate = gate_sqnr_db(thresholds, name)
        if not sens.get("enabled") or "target_sqnr_db" in sens or gate is None:
            continue
        margin = float(sens.get("margin_db", DEFAULT_MARGIN_DB))
        comp = out.setdefault("components", {}).setdefault(name, {})
        comp.setdefault("quantize", {}).setdefault("sensitivity", {}).update(
            target_sqnr_db=gate[0] + margin, target_from=f"parity gate {gate[1]} sqnr_db >= {gate[0]:g} + {margin:g} dB margin")
    return out
