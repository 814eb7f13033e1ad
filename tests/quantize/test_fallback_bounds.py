"""The accuracy-budget search is bounded: by ``max_fallbacks`` and by ``max_seconds`` after the first
miss. When either runs out short of the target, every block is kept in float (full fallback), and the
record says why. Engine-free: a fake quantizer where each block in float recovers a known SQNR."""
import time

import pytest

from edgevfm.quantize.sensitivity import FULL, fallback_until, search_limits

BLOCKS = {"a": ["a1", "a2"], "b": ["b1"], "c": ["c1", "c2", "c3"]}
GAIN = {"a1": 1.0, "a2": 1.0, "b1": 5.0, "c1": 2.0, "c2": 2.0, "c3": 2.0}  # dB each float node recovers


def _search(target, **kw):
    built = []

    def build(excluded):
        built.append(list(excluded))
        return tuple(excluded)

    runner, res = fallback_until(blocks=BLOCKS, base_excluded=["keep"], build=build,
                                 measure=lambda ex: 10.0 + sum(GAIN.get(n, 0) for n in ex),
                                 latency=lambda ex: 1.0 + len(ex), target_db=target, **kw)
    return runner, res, built


def test_stops_at_the_first_step_that_meets_the_target():
    runner, res, _ = _search(16.5, max_fallbacks=3)
    # ranked: c (16) > b (15) > a (12); c alone reaches 16
    assert list(res.ranking) == ["a", "b", "c"] and [s.block for s in res.steps] == ["c", "b"]
    assert res.reached and not res.full and "stopped" not in res.manifest()
    assert res.kept_float == ["keep", "c1", "c2", "c3", "b1"] == list(runner)


def test_max_fallbacks_spent_ends_in_full_fallback():
    runner, res, _ = _search(22.0, max_fallbacks=1)
    assert [s.block for s in res.steps] == ["c", FULL]
    assert res.reached and res.full and res.steps[-1].sqnr_db == 23.0
    assert set(res.kept_float) == {"keep", "a1", "a2", "b1", "c1", "c2", "c3"} == set(runner)
    m = res.manifest()
    assert m["full_fallback"] and m["stopped"] == "max_fallbacks (1) reached"
    assert m["fallbacks"][-1]["nodes"] == 3  # a1, a2, b1: what the last rung added


def test_time_budget_ends_in_full_fallback_without_ranking_the_rest():
    def slow_build_search():
        return _search(22.0, max_fallbacks=9, max_seconds=0.0)

    t = time.monotonic()
    runner, res, built = slow_build_search()
    assert time.monotonic() - t < 5
    assert res.full and res.reached and res.stopped == "time budget of 0 s spent"
    assert len(built) <= 3  # all-INT8, at most one ranking, then the full rung: no full search


def test_full_fallback_that_still_misses_is_reported():
    _, res, _ = _search(30.0, max_fallbacks=2)
    assert res.full and not res.reached and res.steps[-1].sqnr_db == 23.0


def test_full_fallback_can_be_switched_off():
    _, res, _ = _search(22.0, max_fallbacks=1, full_fallback=False)
    assert not res.full and not res.reached and [s.block for s in res.steps] == ["c"]


def test_all_int8_that_meets_the_target_builds_once():
    _, res, built = _search(9.0, max_fallbacks=3)
    assert res.reached and not res.steps and built == [["keep"]] and res.kept_float == ["keep"]


def test_search_limits_from_a_recipe_section(monkeypatch):
    monkeypatch.delenv("EDGEVFM_FALLBACK_SECONDS", raising=False)  # tests/conftest sets one for the suite
    assert search_limits({"target_sqnr_db": 28}, 4) == {
        "target_db": 28.0, "max_fallbacks": 4, "max_seconds": 600.0, "full_fallback": True}
    got = search_limits({"target_sqnr_db": 30, "max_fallbacks": 2, "max_seconds": 5, "full_fallback": False}, 4)
    assert got == {"target_db": 30.0, "max_fallbacks": 2, "max_seconds": 5.0, "full_fallback": False}
    with pytest.raises(KeyError):
        search_limits({}, 4)


def test_time_budget_default_from_the_environment(monkeypatch):
    monkeypatch.setenv("EDGEVFM_FALLBACK_SECONDS", "42")
    assert search_limits({"target_sqnr_db": 28}, 4)["max_seconds"] == 42.0
    assert search_limits({"target_sqnr_db": 28, "max_seconds": 7}, 4)["max_seconds"] == 7.0  # the recipe's wins
    monkeypatch.setenv("EDGEVFM_FALLBACK_SECONDS", "ten")
    with pytest.raises(ValueError, match="EDGEVFM_FALLBACK_SECONDS must be a number of seconds, got 'ten'"):
        search_limits({"target_sqnr_db": 28}, 4)


def test_a_ceiling_under_the_target_skips_the_search():
    """Where even every block in float (as the engine reverts them) stays under the target, nothing is
    ranked: straight to the full-fallback rung."""
    built = []

    def build(excluded):
        built.append(list(excluded))
        return tuple(excluded)

    _, res = fallback_until(blocks=BLOCKS, base_excluded=[], build=build, measure=lambda ex: 10.0,
                            latency=lambda ex: 1.0, target_db=20.0, max_fallbacks=9, ceiling=lambda: 15.0,
                            build_full=lambda: ("float",))
    assert res.stopped == "no partial fallback reaches the target (every block in float: 15.0 dB)"
    assert built == [[]] and not res.ranking and [s.block for s in res.steps] == [FULL] and res.full
