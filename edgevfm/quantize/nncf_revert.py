"""OpenVINO INT8 fallback without re-quantizing: a block falls back by bypassing the activation
quantizers (FakeQuantize on non-constant inputs) that feed its compute layers, in the quantized model
itself. One compile and one inference per candidate, like NNCF's accuracy control, but per recipe
block rather than per operation, so a 2-core host ranks MobileSAM's 17 TinyViT blocks in about a
minute where accuracy control's ~100 operations took over ten. Weights stay as NNCF compressed them
(its ``ONLY_ACTIVATIONS`` restore mode, for the reason given in nncf_ac)."""
from __future__ import annotations

from .nncf_ov import _COMPUTE, _LAYOUT, f32_measure, quantized_blocks


def activation_quantizers(model, names: set[str]) -> list:
    """The FakeQuantize nodes on activations that reach the compute layers ``names`` (through layout ops)."""
    found, seen = [], set()

    def walk(output, hops: int = 8):
        node = output.get_node()
        kind = node.get_type_name()
        if kind == "FakeQuantize":
            src = node.input_value(0).get_node()
            if src.get_type_name() != "Constant" and node.get_friendly_name() not in seen:
                seen.add(node.get_friendly_name())
                found.append(node)
        elif kind in _LAYOUT and hops:
            for i in (node.inputs() if kind == "Concat" else node.inputs()[:1]):
                walk(i.get_source_output(), hops - 1)

    for op in model.get_ordered_ops():
        if op.get_type_name() in _COMPUTE and op.get_friendly_name() in names:
            for i in op.inputs():
                walk(i.get_source_output())
    return found


def reverted(q_model, names: list[str]):
    """A copy of ``q_model`` whose activation quantizers in front of ``names`` are bypassed."""
    m = q_model.clone()
    for fq in activation_quantizers(m, set(names)):
        fq.output(0).replace(fq.input_value(0))
    m.validate_nodes_and_infer_types()
    return m


def revert_blocks(model, q_model, feeds: list[dict], sens: dict, emit) -> tuple:
    """Rank the recipe's blocks by the SQNR reverting each recovers, revert worst-first until the target
    holds (bounded like every search; the last rung is the float model). Returns (model, record)."""
    from .feeds import median_ms, worst_sqnr
    from .sensitivity import fallback_until, search_limits

    runner, val, reference = f32_measure(model, feeds, sens)
    quantized, blocks = quantized_blocks(model, q_model, sens)

    def measure(m):
        return worst_sqnr(runner(m), val, reference)

    best, result = fallback_until(
        blocks=blocks, base_excluded=[], build=lambda names: reverted(q_model, names) if names else q_model,
        measure=measure, latency=lambda m: median_ms(runner(m), val[0]),
        # the INT8 weights stay: every activation quantizer bypassed is the most a block fallback can give
        ceiling=lambda: measure(reverted(q_model, quantized)),
        **search_limits(sens, len(blocks)), full=quantized, build_full=lambda: model, progress=emit)
    return best, {**result.manifest(), "method": "revert activation quantizers per block (no re-quantization)",
                  "measured_on": f"last {len(val)} calibration feed(s) (never the parity images)",
                  "target_from": sens.get("target_from", "recipe/--parity-target")}
