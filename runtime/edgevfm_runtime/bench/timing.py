"""Interleaved timing: one iteration of every contender per round, so slow host drift (other jobs,
thermal, frequency) lands on all of them alike instead of on whichever ran last.

The order within a round matters too: an engine's worker threads keep spinning for a while after a
run (ONNX Runtime, OpenMP in PyTorch, OpenVINO's pool), so on a small machine whatever runs next loses
cores. Each timed iteration therefore starts after a short cool-down (measured here: with 200 ms,
two ONNX Runtime sessions taking turns run as fast as one alone; back to back, ~30 % slower), and
rounds follow a Williams design: over a full cycle every contender runs right after every other one
equally often, and first equally often. The steps of one pipeline iteration (SAM's set_image then
predict) still run back to back, as in an application."""
from __future__ import annotations

import time
from typing import Callable

COOL_DOWN_S = 0.2  # idle time before each timed iteration: other engines' worker threads stop spinning


def balanced_orders(n: int) -> list[list[int]]:
    """A Williams design: n orders (2n for odd n) of range(n) in which each index is immediately
    preceded by each other index equally often, and each index starts equally often."""
    if n <= 1:
        return [list(range(n))]
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:  # 0, 1, n-1, 2, n-2, …
        first.append(lo)
        lo += 1
        if len(first) < n:
            first.append(hi)
            hi -= 1
    rows = [[(v + k) % n for v in first] for k in range(n)]
    return rows if n % 2 == 0 else rows + [row[::-1] for row in rows]


def run_interleaved(workloads: dict, *, runs: int, warmup: int, rotate: bool = True,
                    log: list | None = None, on_round: Callable[[int], None] | None = None,
                    cool_down_s: float = COOL_DOWN_S) -> dict:
    """samples[name][step] = [ms per run]. ``rotate``: round r follows order r of :func:`balanced_orders`
    (cycling), so no contender always runs right after the same neighbour; otherwise the given order.
    ``log`` receives (round, name) in order."""
    names = list(workloads)
    orders = balanced_orders(len(names)) if rotate else [list(range(len(names)))]
    for name in names:
        for _ in range(warmup):
            for fn in workloads[name].steps.values():
                fn()
    samples = {n: {s: [] for s in workloads[n].steps} for n in names}
    for r in range(runs):
        for name in (names[i] for i in orders[r % len(orders)]):
            if log is not None:
                log.append((r, name))
            if cool_down_s > 0:
                time.sleep(cool_down_s)
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
