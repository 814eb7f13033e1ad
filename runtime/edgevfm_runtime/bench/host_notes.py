"""What the host's instruction set means for the rows measured on it. A result from an AVX2 laptop and one from
a VNNI server rank the INT8 rows differently; the result says why instead of leaving the reader to guess."""
from __future__ import annotations

# Instructions whose absence makes an engine fall back to slower kernels, as /proc/cpuinfo names them.
INT8_DOT = {"x86": ("avx512_vnni", "avx_vnni", "amx_int8"), "arm": ("asimddp", "i8mm")}
BF16 = {"x86": ("avx512_bf16", "amx_bf16"), "arm": ("bf16",)}


def _timed_precisions(result: dict) -> set[str]:
    return {str(r.get("precision", "")) for g in result.get("groups", ()) for r in g.get("rows", ())
            if r.get("latency_ms")}


def host_notes(result: dict) -> list[str]:
    """One sentence per instruction family the timed rows needed and this host lacks."""
    h = result.get("host") or {}
    arch, isa = h.get("arch"), h.get("isa") or {}
    if arch not in INT8_DOT or not isa:
        return []
    precisions = _timed_precisions(result)
    notes = []
    if any("int8" in p for p in precisions) and not any(isa.get(f) for f in INT8_DOT[arch]):
        notes.append(f"This CPU has no int8 dot-product instructions ({', '.join(INT8_DOT[arch])}): the int8 rows ran "
                     "kernels without them (OpenVINO: jit_gemm_i8 in a profile) and can be no faster than FP32 here; "
                     "a CPU with them can rank the rows differently.")
    if any("bf16" in p for p in precisions) and not any(isa.get(f) for f in BF16[arch]):
        notes.append(f"This CPU has no BF16 instructions ({', '.join(BF16[arch])}): engines ran the bf16 rows in "
                     "f32 (the engine column says which), so they measure an FP32 graph here.")
    return notes
