"""Pytest plugin: times every in-process ``edgevfm.export.pipeline.export`` call and lists them at the
end of the run (the suite's cost is mostly exports; identical ones in different files show here as
candidates for a shared fixture)."""
from __future__ import annotations

import functools
import time
from collections import Counter

_CALLS: list[tuple[str, float]] = []


def pytest_configure(config):
    from edgevfm.export import pipeline

    original = pipeline.export

    @functools.wraps(original)
    def timed(model, *, target, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(model, target=target, **kwargs)
        finally:
            weights = str(kwargs.get("weights", "official")).rsplit("/", 1)[-1]
            extra = ",".join(kwargs.get("overrides") or ()) or ""
            _CALLS.append((f"{model} {kwargs.get('variant') or ''} {target} {weights} {extra}".strip(),
                           time.perf_counter() - t0))

    pipeline.export = timed


def pytest_terminal_summary(terminalreporter):
    if not _CALLS:
        return
    total = sum(s for _, s in _CALLS)
    counts = Counter(k for k, _ in _CALLS)
    tr = terminalreporter
    tr.write_sep("=", f"exports: {len(_CALLS)} in-process calls, {total:.0f} s")
    for key, secs in sorted(_CALLS, key=lambda c: -c[1])[:30]:
        tr.write_line(f"{secs:8.1f}s  {key}" + (f"  (×{counts[key]})" if counts[key] > 1 else ""))
