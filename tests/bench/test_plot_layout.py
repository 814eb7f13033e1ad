"""The latency-vs-parity plot: the whole title inside the picture, no point label over another."""
from __future__ import annotations

import itertools

import pytest

pytest.importorskip("matplotlib")


def _row(name, kind, sqnr, p50, passed=None):
    return {"name": name, "kind": kind, "parity": {"min_sqnr_db": sqnr, "passed": passed},
            "latency_ms": {"total": {"p50": p50, "min": p50 * 0.95, "p90": p50 * 1.1}}}


def result() -> dict:
    # the demo's case: the plain export and our bundle at the same spot (bit-identical, same latency)
    rows = [_row("sam-vit_t-onnx-fp32", "bundle", float("inf"), 412.0, True),
            _row("plain torch.onnx.export", "onnx-files", float("inf"), 412.0),
            _row("pytorch eager", "pytorch", float("inf"), 415.0),
            _row("sam-vit_t-onnx-int8", "bundle", 31.5, 300.0, False)]
    return {"host": {"cpu": "AMD EPYC 7B13 64-Core Processor with a long marketing name (x86_64, AVX2, FMA)"},
            "settings": {"threads": 2},
            "groups": [{"model": "sam", "variant": "vit_t", "headline": "total", "rows": rows}]}


def test_title_inside_and_labels_apart(tmp_path):
    import matplotlib.pyplot as plt

    from edgevfm_runtime.bench.plot import figure, plot

    fig = figure(result())
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    fb = fig.bbox
    title = fig._suptitle.get_window_extent(r)  # noqa: SLF001 - matplotlib's only handle on the suptitle
    assert fb.x0 <= title.x0 and title.x1 <= fb.x1 and fb.y0 <= title.y0 and title.y1 <= fb.y1, (title, fb)
    boxes = [t.get_window_extent(r) for ax in fig.axes for t in ax.texts]
    assert len(boxes) == 4
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for b in boxes:
        assert fb.x0 <= b.x0 and b.x1 <= fb.x1 and fb.y0 <= b.y0 and b.y1 <= fb.y1, b
    plt.close(fig)
    assert plot(result(), tmp_path / "p.png").stat().st_size > 0
