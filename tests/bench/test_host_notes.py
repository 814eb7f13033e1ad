"""A result says when the host lacks the instructions its int8 / bf16 rows needed (and only then)."""
import json
from pathlib import Path

from edgevfm_runtime.bench.host_notes import host_notes
from edgevfm_runtime.bench.report import to_markdown, to_text

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def _result(arch: str, isa: dict, precisions: list[str]) -> dict:
    rows = [{"name": p, "precision": p, "latency_ms": {"set_image": {"p50": 1.0, "p90": 1.0, "iqr_rel": 0.0}}}
            for p in precisions]
    return {"created": "now", "settings": {"runs": 1, "warmup": 0, "threads": 2},
            "host": {"cpu": "x", "usable_cpus": 2, "arch": arch, "isa": isa},
            "groups": [{"model": "sam", "variant": "vit_t", "headline": "set_image", "baseline": "fp32", "rows": rows}]}


def test_int8_and_bf16_rows_on_a_host_without_the_instructions():
    res = _result("x86", {"avx2": True, "avx512_vnni": False, "avx512_bf16": False}, ["fp32", "int8", "bf16"])
    notes = host_notes(res)
    assert len(notes) == 2 and "int8 dot-product" in notes[0] and "avx512_vnni" in notes[0]
    assert "BF16" in notes[1]
    assert all(f"Note: {n}" in to_markdown(res) for n in notes)
    assert all(n in to_text(res) for n in notes)


def test_no_note_where_the_host_has_them_or_no_row_needs_them():
    assert host_notes(_result("x86", {"avx512_vnni": True, "amx_bf16": True}, ["int8", "bf16"])) == []
    assert host_notes(_result("x86", {"avx2": True}, ["fp32", "fp16"])) == []
    assert host_notes(_result("arm", {"asimddp": True, "bf16": False}, ["int8 (encoder)"])) == []
    assert len(host_notes(_result("arm", {"asimddp": False}, ["int8"]))) == 1
    untimed = _result("x86", {"avx2": True}, ["int8"])
    untimed["groups"][0]["rows"][0].pop("latency_ms")  # an export that failed: nothing was measured
    assert host_notes(untimed) == []
    assert host_notes({"groups": [], "host": {}}) == []  # older results without host facts


def test_committed_results_on_both_hosts():
    avx2 = json.loads((RESULTS / "sam_quant_x86_avx2.json").read_text())
    avx512 = json.loads((RESULTS / "sam_quant_x86.json").read_text())
    assert len(host_notes(avx2)) == 2  # int8 and bf16 rows on an AVX2-only EPYC
    assert host_notes(avx512) == []  # the same suite on AVX-512 VNNI/BF16
