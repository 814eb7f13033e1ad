"""Interleaved timing: one iteration of every contender per round, so slow host drift (other jobs,
thermal, frequency) lands on all of them alike instead of on whichever ran last."""
from __future__ import annotations

import time
from typing import Callable


def run_interleaved(workloads: dict, *, runs: int, warmup: int, rotate: bool = True,
                    log: list | None = None, on_round: Callable[[int], None] | None = None) -> dict:
    """samples[name][step] = [ms per run]. ``rotate`` starts round r at contender r mod n, so no
    contender always runs right after the same neighbour. ``log`` receives (round, name) in order."""
    names = list(workloads)
    for name in names:
        for _ in range(warmup):
            for fn in workloads[name].steps.values():
                fn()
    samples = {n: {s: [] for s in workloads[n].steps} for n in names}
    for r in range(runs):
        k = r % len(names) if rotate and names else 0
        for name in names[k:] + names[:k]:
            if log is not None:
                log.append((r, name))
            for step, fn in workloads[name].steps.items():
                t0 = time.perf_counter()
                fn()
                samples[name][step].append(1000.0 * (time.perf_counter() - t0))
        if on_round:
            on_round(r)
    for n in names:  # the pipeline is the same iteration's steps back to back
        if workloads[n].pipeline:
            samples[n]["pipeline"] = [sum(v) for v in zip(*(samples[n][s] for s in workloads[n].pipeline))]
    return samples
