"""Mixed precision by accuracy budget: rank fallback units (blocks) by how much keeping each in
float recovers, then keep the worst in float, one at a time, until the component reaches its
target SQNR. Engine-agnostic: the caller supplies ``build(excluded) -> runner`` and the measure.

The search is bounded: by ``max_fallbacks`` steps and by a wall-clock budget (``max_seconds``).
When either runs out before the target holds, the last rung keeps *every* block in float (full
fallback): a bundle that meets its gate at the cost of speed, recorded as such, rather than none."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_MAX_SECONDS = 600.0
SECONDS_ENV = "EDGEVFM_FALLBACK_SECONDS"  # the default budget for every export in this environment (e.g. CI)
FULL = "(every block: full fallback)"


@dataclass
class FallbackStep:
    block: str
    sqnr_db: float  # after keeping this block (and the earlier ones) in float
    ms: float  # latency after this step
    nodes: int


@dataclass
class SensitivityResult:
    target_db: float
    initial_db: float
    initial_ms: float
    ranking: dict[str, float] = field(default_factory=dict)  # block -> SQNR with only it in float
    steps: list[FallbackStep] = field(default_factory=list)
    reached: bool = False
    stopped: str = ""  # why the search ended before the target held, if it did
    seconds: float = 0.0
    kept_float: list[str] = field(default_factory=list)  # every node excluded from quantization at the end

    @property
    def excluded(self) -> list[str]:
        return [s.block for s in self.steps if s.block != FULL]

    @property
    def full(self) -> bool:
        return bool(self.steps) and self.steps[-1].block == FULL

    def manifest(self) -> dict:
        out = {
            "target_sqnr_db": self.target_db, "reached": self.reached,
            "all_int8": {"sqnr_db": round(self.initial_db, 2), "ms": round(self.initial_ms, 1)},
            "ranking_sqnr_db_if_kept_float": {k: round(v, 2) for k, v in self.ranking.items()} or "recipe order",
            "fallbacks": [{"block": s.block, "nodes": s.nodes, "sqnr_db": round(s.sqnr_db, 2), "ms": round(s.ms, 1),
                           "cost_ms": round(s.ms - (self.steps[i - 1].ms if i else self.initial_ms), 1)}
                          for i, s in enumerate(self.steps)],
            "full_fallback": self.full, "search_seconds": round(self.seconds, 1),
        }
        if self.stopped:
            out["stopped"] = self.stopped
        return out


def fallback_until(*, blocks: dict[str, list[str]], base_excluded: list[str], build: Callable,
                   measure: Callable, latency: Callable, target_db: float, max_fallbacks: int, rank: bool = True,
                   max_seconds: float = DEFAULT_MAX_SECONDS, full_fallback: bool = True,
                   full: list[str] | None = None, build_full: Callable | None = None,
                   ceiling: Callable[[], float] | None = None, progress: Callable[[str], None] = lambda s: None) -> tuple[object, SensitivityResult]:
    """``rank=False`` skips the ranking pass and falls back in the given order (for engines where
    each candidate costs a full re-quantization). ``max_seconds`` counts from the first miss.
    ``full`` is every node the full-fallback rung keeps float (default: the blocks' nodes);
    ``build_full()`` builds that rung where it is cheaper than excluding them (the float model itself).
    ``ceiling()`` is the most any partial fallback can reach, where that is below the float model (e.g.
    INT8 weights that stay): under the target, the search is skipped."""
    runner = build(base_excluded)
    res = SensitivityResult(target_db=target_db, initial_db=measure(runner), initial_ms=latency(runner))
    progress(f"sensitivity: all quantized → {res.initial_db:.1f} dB (target {target_db:g} dB)")
    res.kept_float = list(base_excluded)
    if res.initial_db >= target_db:
        res.reached = True
        return runner, res
    t0 = time.monotonic()

    def out_of_time() -> bool:
        if time.monotonic() - t0 <= max_seconds:
            return False
        res.stopped = f"time budget of {max_seconds:g} s spent"
        return True

    top = ceiling() if ceiling else None
    if top is not None and top < target_db:
        res.stopped = f"no partial fallback reaches the target (every block in float: {top:.1f} dB)"
        progress(f"sensitivity: {res.stopped}")
    for i, (name, nodes) in enumerate(blocks.items() if rank and not res.stopped else ()):
        if out_of_time():
            break
        res.ranking[name] = measure(build(base_excluded + nodes))
        progress(f"sensitivity: [{i + 1}/{len(blocks)}] {name} in float → {res.ranking[name]:.1f} dB")
    excluded = list(base_excluded)
    order = sorted(res.ranking, key=res.ranking.get, reverse=True) if rank else list(blocks)
    for name in order[:max_fallbacks] if not res.stopped else ():
        if out_of_time():
            break
        excluded += blocks[name]
        runner = build(excluded)
        db = measure(runner)
        res.steps.append(FallbackStep(name, db, latency(runner), len(blocks[name])))
        progress(f"sensitivity: keep {name} in float → {db:.1f} dB")
        if db >= target_db:
            res.reached = True
            break
    else:
        if not res.stopped and len(order) > max_fallbacks:
            res.stopped = f"max_fallbacks ({max_fallbacks}) reached"
    done = set(excluded)
    rest = [n for n in (full if full is not None else [n for b in blocks.values() for n in b]) if n not in done]
    if not res.reached and full_fallback and (rest or build_full):  # build_full: more than excluding nodes
        runner = build_full() if build_full else build(excluded + rest)
        db = measure(runner)
        res.steps.append(FallbackStep(FULL, db, latency(runner), len(rest)))
        res.reached = db >= target_db
        excluded += rest
        progress(f"sensitivity: {res.stopped or 'target missed'}; every block in float → {db:.1f} dB")
    res.seconds = time.monotonic() - t0
    res.kept_float = excluded
    return runner, res


def max_seconds(sens: dict) -> float:
    """The search's time budget: the recipe's ``max_seconds``, else ``$EDGEVFM_FALLBACK_SECONDS``, else 600."""
    if "max_seconds" in sens:
        return float(sens["max_seconds"])
    env = os.environ.get(SECONDS_ENV, "").strip()
    try:
        return float(env) if env else DEFAULT_MAX_SECONDS
    except ValueError:
        raise ValueError(f"{SECONDS_ENV} must be a number of seconds, got {env!r}") from None


def search_limits(sens: dict, max_fallbacks: int) -> dict:
    """``fallback_until``'s target and bounds from a recipe's ``sensitivity`` section."""
    return {"target_db": float(sens["target_sqnr_db"]), "max_fallbacks": int(sens.get("max_fallbacks", max_fallbacks)),
            "max_seconds": max_seconds(sens),
            "full_fallback": bool(sens.get("full_fallback", True))}
