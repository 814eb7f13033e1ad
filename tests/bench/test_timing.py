"""Interleaving order, pipeline sums, statistics and speed-up ratios (no timing asserts)."""
import numpy as np

from edgevfm_runtime.bench import Workload, run_interleaved
from edgevfm_runtime.bench.stats import speedup, summarize


def _workloads(calls):
    def step(name, s):
        return lambda: calls.append((name, s))

    return {n: Workload({"a": step(n, "a"), "b": step(n, "b")}, headline="pipeline", engine="fake",
                        pipeline=("a", "b")) for n in ("x", "y", "z")}


def test_round_robin_in_balanced_orders():
    calls, log = [], []
    samples = run_interleaved(_workloads(calls), runs=4, warmup=1, log=log)
    assert calls[:6] == [("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"), ("z", "a"), ("z", "b")]  # warm-up
    assert log == [(0, "x"), (0, "y"), (0, "z"), (1, "y"), (1, "z"), (1, "x"),
                   (2, "z"), (2, "x"), (2, "y"), (3, "z"), (3, "y"), (3, "x")]
    assert calls[6:] == [(n, s) for _r, n in log for s in ("a", "b")]  # steps in order within an iteration
    for n in "xyz":
        assert len(samples[n]["a"]) == 4
        np.testing.assert_allclose(samples[n]["pipeline"], np.add(samples[n]["a"], samples[n]["b"]))


def test_balanced_orders_give_every_predecessor_equally_often():
    from collections import Counter

    from edgevfm_runtime.bench.timing import balanced_orders

    for n in range(2, 8):
        orders = balanced_orders(n)
        assert len(orders) == (n if n % 2 == 0 else 2 * n) and all(sorted(o) == list(range(n)) for o in orders)
        pairs = Counter((a, b) for o in orders for a, b in zip(o, o[1:]))
        assert set(pairs) == {(a, b) for a in range(n) for b in range(n) if a != b}
        assert len(set(pairs.values())) == 1  # each ordered pair equally often
        assert len(set(Counter(o[0] for o in orders).values())) == 1


def test_fixed_order_without_rotation():
    log = []
    run_interleaved(_workloads([]), runs=2, warmup=0, rotate=False, log=log)
    assert [n for _r, n in log] == ["x", "y", "z", "x", "y", "z"]


def test_summary_fields():
    s = summarize([10.0, 11.0, 12.0, 13.0, 100.0])
    assert {"n", "p50", "p90", "p99", "mean", "min", "max", "std", "iqr_rel", "throughput_per_s"} <= set(s)
    assert s["p50"] == 12.0 and s["min"] == 10.0 and s["max"] == 100.0 and s["n"] == 5
    assert s["throughput_per_s"] == 1000.0 / s["mean"]
    assert s["iqr_rel"] == (13.0 - 11.0) / 12.0


def test_speedup_and_its_interval():
    rng = np.random.default_rng(1)
    base = 100 + 10 * rng.random(30)
    drift = np.linspace(0, 50, 30)  # shared by both in each round
    r = speedup(list(base + drift), list((base + drift) / 2))
    assert r["speedup"] == 2.0 and r["ci95"] == [2.0, 2.0]  # paired rounds: the drift cancels exactly
    noisy = speedup(list(base), list(base[::-1] * 1.25))
    lo, hi = noisy["ci95"]
    assert lo <= noisy["speedup"] <= hi and lo < hi
    assert abs(noisy["speedup"] - 0.8) < 0.1
    blo, bhi = noisy["band"]  # round-to-round spread: wider than the CI of the median
    assert blo <= lo and hi <= bhi and blo <= noisy["speedup"] <= bhi
    assert r["band"] == [2.0, 2.0]
