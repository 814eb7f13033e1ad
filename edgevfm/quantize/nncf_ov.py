"""OpenVINO INT8 with NNCF: post-training quantization with the recipe's model type, ignored scope
and subset size; with a SQNR target, either NNCF's accuracy control reverts the most sensitive
operations (``sensitivity.strategy: accuracy-control``, see nncf_ac) or recipe-listed blocks fall back
to float, one NNCF run each, until it is met."""
from __future__ import annotations

from .keep_float import matching_nodes

_COMPUTE = ("MatMul", "Convolution", "GroupConvolution")


# Ops that only move or re-type data: a FakeQuantize behind them still quantizes the consumer's input
# (attention: q/k/v go through Reshape/Transpose/Split between NNCF's quantizers and their MatMuls).
_LAYOUT = ("Reshape", "Transpose", "Squeeze", "Unsqueeze", "StridedSlice", "Slice", "Split", "VariadicSplit",
           "Gather", "Concat", "Convert")


def _quantized(output, hops: int = 8) -> bool:
    node = output.get_node()
    kind = node.get_type_name()
    if kind == "FakeQuantize":
        return True
    if kind not in _LAYOUT or hops == 0:
        return False
    data = node.inputs() if kind == "Concat" else node.inputs()[:1]
    return any(_quantized(i.get_source_output(), hops - 1) for i in data)


def float_layers(model) -> list[str]:
    """Compute layers (MatMul / convolutions) that get no quantized activation input, looking through
    layout-only ops to the FakeQuantize that feeds them."""
    return [op.get_friendly_name() for op in model.get_ordered_ops()
            if op.get_type_name() in _COMPUTE and not any(_quantized(i.get_source_output()) for i in op.inputs())]


def nncf_quantize(model, *, feeds: list[dict], q: dict, emit=print):
    import nncf

    keep = q.get("keep_float", {})
    # Recipe patterns are searched anywhere in the name (as for ORT); NNCF's own patterns are anchored.
    base = matching_nodes([(op.get_friendly_name(), op.get_type_name()) for op in model.get_ordered_ops()],
                          op_types=keep.get("op_types", ()), patterns=keep.get("nodes", ()))
    model_type = {"transformer": nncf.ModelType.TRANSFORMER, "default": None}[q.get("model_type", "transformer")]
    preset = {"mixed": nncf.QuantizationPreset.MIXED, "performance": nncf.QuantizationPreset.PERFORMANCE}[
        q.get("preset", "mixed")]
    # Every feed given: calibration.size counts *images* (the pipeline applied it); a component may
    # get several feeds per image (SAM prompts) or none from images at all (CLIP captions).
    calib = feeds
    from nncf.quantization.advanced_parameters import (AdvancedQuantizationParameters,
                                                       AdvancedSmoothQuantParameters, OverflowFix)

    # Overflow fix on every layer, not NNCF's default first layer only: the bundle may run on a CPU without
    # VNNI (AVX2, AVX-512F), whose int8 kernels add u8×s8 pairs in int16 and saturate; measured on an AVX2
    # EPYC, CLIP ViT-B/32-shaped golden image tower 20.5 dB with the default.
    extra = {"overflow_fix": OverflowFix.ENABLE}
    if "smooth_quant_alpha" in q:
        extra["smooth_quant_alphas"] = AdvancedSmoothQuantParameters(matmul=float(q["smooth_quant_alpha"]))
    advanced = AdvancedQuantizationParameters(**extra)
    common = dict(subset_size=len(calib), model_type=model_type, preset=preset,
                  fast_bias_correction=bool(q.get("fast_bias_correction", True)))
    info = {"method": "nncf", "model_type": q.get("model_type", "transformer"), "preset": q.get("preset", "mixed"),
            "calibration": {"algorithm": "nncf statistics", "feeds": len(calib)}}
    dataset = nncf.Dataset(calib)
    sens = q.get("sensitivity", {})

    def quantize(names):
        scope = nncf.IgnoredScope(names=[*base, *names], validate=False)
        return nncf.quantize(model, dataset, advanced_parameters=advanced, ignored_scope=scope, **common)

    if sens.get("enabled") and "target_sqnr_db" in sens and sens.get("strategy") == "accuracy-control":
        from .nncf_ac import accuracy_control

        q_model, info["sensitivity"] = accuracy_control(
            model, dataset=dataset, val=feeds[-int(sens.get("validation_images", 1)):], sens=sens, emit=emit,
            float_layers=float_layers, common={**common, "advanced_quantization_parameters": advanced,
                                                "ignored_scope": nncf.IgnoredScope(names=base, validate=False)})
    else:
        emit(f"  NNCF quantize ({info['model_type']}, {len(calib)} calibration feeds) …")
        q_model = quantize([])
        if sens.get("enabled") and "target_sqnr_db" in sens and sens.get("strategy") == "revert-blocks":
            from .nncf_revert import revert_blocks

            q_model, info["sensitivity"] = revert_blocks(model, q_model, feeds, sens, emit)
        elif sens.get("enabled") and "target_sqnr_db" in sens:
            q_model, info["sensitivity"] = _fallback(model, q_model, quantize, feeds, sens, emit)
    info["float_kept"] = {"op_types": list(keep.get("op_types", [])), "patterns": list(keep.get("nodes", [])),
                          "nodes": float_layers(q_model)}
    return q_model, info


def quantized_blocks(model, q_model, sens: dict) -> tuple[list[str], dict[str, list[str]]]:
    """``model``'s compute layers that ``q_model`` quantizes, and those grouped into the recipe's fallback blocks."""
    from .keep_float import group_blocks

    floats = set(float_layers(q_model))
    quantized = [op.get_friendly_name() for op in model.get_ordered_ops()
                 if op.get_type_name() in _COMPUTE and op.get_friendly_name() not in floats]
    return quantized, group_blocks(quantized, sens.get("blocks", []))


def f32_measure(model, feeds: list[dict], sens: dict):
    """(runner, validation feeds, the float model's outputs on them): a fallback's measuring kit, on the
    held-back calibration feeds, with the inference precision pinned to f32."""
    import openvino as ov

    core = ov.Core()

    def runner(m):
        # every output (DINOv2 has CLS + patch tokens), keyed by position: NNCF keeps the graph's output order
        c = core.compile_model(m, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        return lambda feed: dict(enumerate(c(feed).values()))

    val = feeds[-int(sens.get("validation_images", 1)):]
    return runner, val, [runner(model)(f) for f in val]


def _fallback(model, q_model, quantize, feeds, sens: dict, emit):
    """Fall back whole blocks (recipe order, most sensitive first) by re-quantizing with them in
    the ignored scope. NNCF compresses weights and folds bias corrections while quantizing, so a
    layer cannot be re-quantized in place; each candidate therefore costs one NNCF run (strategy
    revert-blocks bypasses only the activation quantizers instead: nncf_revert)."""
    from .feeds import median_ms, worst_sqnr
    from .sensitivity import fallback_until, search_limits

    runner, val, reference = f32_measure(model, feeds, sens)
    quantized, blocks = quantized_blocks(model, q_model, sens)
    cache = {(): q_model}

    def build(excluded):
        key = tuple(excluded)
        if key not in cache:
            cache[key] = quantize(list(excluded))
        return cache[key]

    best, result = fallback_until(
        blocks=blocks, base_excluded=[], build=build, rank=False, progress=emit,
        measure=lambda m: worst_sqnr(runner(m), val, reference), latency=lambda m: median_ms(runner(m), val[0]),
        **search_limits(sens, 3), full=quantized, build_full=lambda: model)
    return best, result.manifest()
