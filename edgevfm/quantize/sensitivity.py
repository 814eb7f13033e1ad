"""Mixed precision by accuracy budget: rank fallback units (blocks) by how much keeping each in
float recovers, then keep the worst in float, one at a time, until the component reaches its
target SQNR. Engine-agnostic: the caller supplies ``build(excluded) -> runner`` and the measure."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


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

    @property
    def excluded(self) -> list[str]:
        return [s.block for s in self.steps]

    def manifest(self) -> dict:
        return {
            "target_sqnr_db": self.target_db, "reached": self.reached,
            "all_int8": {"sqnr_db": round(self.initial_db, 2), "ms": round(self.initial_ms, 1)},
            "ranking_sqnr_db_if_kept_float": {k: round(v, 2) for k, v in self.ranking.items()} or "recipe order",
            "fallbacks": [{"block": s.block, "nodes": s.nodes, "sqnr_db": round(s.sqnr_db, 2), "ms": round(s.ms, 1),
                           "cost_ms": round(s.ms - (self.steps[i - 1].ms if i else self.initial_ms), 1)}
                          for i, s in enumerate(self.steps)],
        }


def fallback_until(*, blocks: dict[str, list[str]], base_excluded: list[str], build: Callable,
                   measure: Callable, latency: Callable, target_db: float, max_fallbacks: int, rank: bool = True,
                   progress: Callable[[str], None] = lambda s: None) -> tuple[object, SensitivityResult]:
    """``rank=False`` skips the ranking pass and falls back in the given order (for engines where
    each candidate costs a full re-quantization)."""
    runner = build(base_excluded)
    res = SensitivityResult(target_db=target_db, initial_db=measure(runner), initial_ms=latency(runner))
    progress(f"sensitivity: all quantized → {res.initial_db:.1f} dB (target {target_db:g} dB)")
    if res.initial_db >= target_db:
        res.reached = True
        return runner, res
    for i, (name, nodes) in enumerate(blocks.items() if rank else ()):
        res.ranking[name] = measure(build(base_excluded + nodes))
        progress(f"sensitivity: [{i + 1}/{len(blocks)}] {name} in float → {res.ranking[name]:.1f} dB")
    excluded = list(base_excluded)
    order = sorted(res.ranking, key=res.ranking.get, reverse=True) if rank else list(blocks)
    for name in order[:max_fallbacks]:
        excluded += blocks[name]
        runner = build(excluded)
        db = measure(runner)
        res.steps.append(FallbackStep(name, db, latency(runner), len(blocks[name])))
        progress(f"sensitivity: keep {name} in float → {db:.1f} dB")
        if db >= target_db:
            res.reached = True
            break
    return runner, res
