"""OpenVINO INT8 with an accuracy budget: NNCF's ``quantize_with_accuracy_control``.

NNCF quantizes once, and only when the component misses its SQNR target on the held-back
*calibration* feeds (never the parity images) does it rank its quantized operations by how much
reverting each one recovers and revert the worst, one at a time, until the target holds. That costs
one inference per ranked operation, not one NNCF run per candidate as re-quantizing would. The metric
is ``1 - NMSE`` against the float model, so the allowed absolute drop is ``10^(-target/10)``.

Bounded like every fallback search (quantize/sensitivity): once all-INT8 has missed, the ranking and
reverting get ``max_seconds``; past it, or when NNCF ends short of the target, the component is kept
whole in float (the engine's float precision, the recipe's ``engine_options``) and that is recorded."""
from __future__ import annotations

import contextlib
import logging
import math
import re
import time

from .feeds import median_ms, sqnr_db, worst_sqnr
from .sensitivity import max_seconds

_REVERTED = re.compile(r"Reverted \d+ operations to the floating-point precision: \n(.*)", re.S)
_QUANTIZED = re.compile(r"Metric of quantized model: (\S+)")


class _OutOfTime(Exception):
    """Raised from the validation callback to end NNCF's search when the time budget is spent."""


class _Capture(logging.Handler):
    """NNCF's log of what it reverted, in order (its only account of the steps it took)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.reverted: list[list[str]] = []
        self.all_int8: float | None = None  # the metric (1 - NMSE) of the fully quantized model

    def emit(self, record):
        msg = record.getMessage()
        m, q = _REVERTED.match(msg), _QUANTIZED.match(msg)
        if m:
            self.reverted.append([n.strip() for n in m.group(1).splitlines() if n.strip()])
        if q and self.all_int8 is None:
            self.all_int8 = float(q.group(1))


@contextlib.contextmanager
def _captured(capture: _Capture):
    """NNCF's INFO records reach ``capture`` even where the CLI's quiet mode raised the ``nncf`` logger to
    ERROR; its own handlers keep the level they were effectively at, so nothing more is printed."""
    log = logging.getLogger("nncf")
    level, handlers = log.level, [(h, h.level) for h in log.handlers]
    effective = log.getEffectiveLevel()
    for h, lv in handlers:
        h.setLevel(max(lv, effective))
    log.setLevel(logging.INFO)
    log.addHandler(capture)
    try:
        yield
    finally:
        log.removeHandler(capture)
        log.setLevel(level)
        for h, lv in handlers:
            h.setLevel(lv)


def _why(reached: bool, reverted: list[str], stopped: str = "") -> str:
    if stopped:
        return f"{stopped}: the whole component kept in float" + ("" if reached else ", and even that misses the target")
    if not reverted:
        return "all-INT8 meets the target: nothing reverted" if reached else "nothing could be reverted"
    how = "ranked by how much reverting each recovers SQNR on the calibration feeds, reverted worst-first"
    return f"{how} until the target held" if reached else f"{how}: even full fallback misses the target"


def _db(metric: float | None):
    if metric is None:
        return None
    return "inf" if metric >= 1.0 else round(-10 * math.log10(1.0 - metric), 2)


def _runner(core, model, config: dict):
    c = core.compile_model(model, "CPU", config)
    return lambda feed: dict(enumerate(c(feed).values()))


def accuracy_control(model, *, dataset, val: list[dict], sens: dict, common: dict, emit, float_layers) -> tuple:
    """``model`` quantized with NNCF's accuracy control; returns (model, manifest record)."""
    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import AdvancedAccuracyRestorerParameters, RestoreMode

    target = float(sens["target_sqnr_db"])
    core = ov.Core()
    f32 = {"INFERENCE_PRECISION_HINT": "f32"}
    reference = [_runner(core, model, f32)(f) for f in val]

    budget = max_seconds(sens)
    missed_at: list[float] = []

    def validate(compiled, items):
        # the budget starts once NNCF has logged the all-INT8 metric: from then on it is ranking/reverting
        if capture.all_int8 is not None:
            if not missed_at:
                missed_at.append(time.monotonic())
            if time.monotonic() - missed_at[0] > budget:
                raise _OutOfTime
        per_item = []
        for i in items:
            got = dict(enumerate(compiled(val[i]).values()))
            per_item.append(min(1.0 - 10 ** (-sqnr_db(r, got[k]) / 10) for k, r in reference[i].items()))
        return min(per_item), per_item

    # Weights stay as quantized: reverting them too restores the float weights but not SmoothQuant's
    # rescaling of the activations in front of them, which corrupts the layer (measured: a tiny model
    # fell from 31.6 to 0.9 dB as operations were "reverted").
    restorer = {"num_ranking_workers": 1, "restore_mode": RestoreMode.ONLY_ACTIVATIONS}  # parallel rankers each hold a model copy: too much on small hosts
    if "max_fallbacks" in sens:
        restorer["max_num_iterations"] = int(sens["max_fallbacks"])
    capture = _Capture()
    emit(f"  NNCF quantize with accuracy control (target {target:g} dB on {len(val)} calibration feed(s)) …")
    stopped = ""
    try:
        with _captured(capture):
            q_model = nncf.quantize_with_accuracy_control(
                model, dataset, nncf.Dataset(list(range(len(val)))), validate,
                max_drop=10 ** (-target / 10), drop_type=nncf.DropType.ABSOLUTE,
                advanced_accuracy_restorer_parameters=AdvancedAccuracyRestorerParameters(**restorer), **common)
        final = worst_sqnr(_runner(core, q_model, f32), val, reference)
    except _OutOfTime:
        q_model, final, stopped = None, -math.inf, f"time budget of {budget:g} s spent"
    if q_model is None or (final < target and sens.get("full_fallback", True)):
        stopped = stopped or "NNCF ended short of the target"
        emit(f"  accuracy control: {stopped}; keeping the whole component in float")
        q_model, final = model, worst_sqnr(_runner(core, model, f32), val, reference)
    kept = set(float_layers(q_model))
    reverted = [n for step in capture.reverted for n in step if n in kept]
    emit(f"  accuracy control: {len(reverted)} operation(s) reverted to float → {final:.1f} dB")
    record = {
        "method": "nncf quantize_with_accuracy_control", "target_sqnr_db": target,
        "target_from": sens.get("target_from", "recipe/--parity-target"),
        "measured_on": f"last {len(val)} calibration feed(s) (never the parity images)",
        "reached": bool(final >= target) if math.isfinite(final) else True,
        "sqnr_db": round(final, 2) if math.isfinite(final) else "inf",
        "ms": round(median_ms(_runner(core, q_model, {}), val[0]), 1),
        "all_int8": {"sqnr_db": _db(capture.all_int8)},
        "reverted": reverted, "full_fallback": q_model is model,
        "search_seconds": round(time.monotonic() - missed_at[0], 1) if missed_at else 0.0,  # after the miss
    }
    if stopped:
        record["stopped"] = stopped
    record["why"] = _why(record["reached"], reverted, stopped)
    return q_model, record
