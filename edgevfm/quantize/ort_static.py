"""ONNX Runtime static QDQ quantization (``quantize_static``) with recipe settings, float-kept
nodes and an optional sensitivity pass that reuses one calibration (ORT's calibration cache)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import onnx

from .feeds import FeedReader, median_ms, worst_sqnr
from .keep_float import group_blocks, matching_nodes
from .sensitivity import fallback_until, search_limits

_DTYPES = {"uint8": "QUInt8", "int8": "QInt8"}
_ALGORITHMS = {"minmax": "MinMax", "entropy": "Entropy", "percentile": "Percentile", "distribution": "Distribution"}

# 7-bit weights unless a recipe says otherwise: ONNX Runtime's x86 U8S8 kernels on CPUs without VNNI
# (AVX2, AVX-512F) add pairs of u8×s8 products in int16 and saturate. Measured on an AVX2 EPYC (tiny test
# model): static QDQ 13.3 dB and dynamic 14.8 dB with 8-bit weights, 33.6 and 37.4 dB with 7-bit ones.
# A bundle runs on whatever CPU the user has, so it must not depend on VNNI.
REDUCE_RANGE = True


def pre_process(src: Path, dst: Path) -> None:
    """ORT's quantization pre-processing: shape inference + graph optimisation. Needed on the
    TorchScript MobileSAM encoder export, where Conv weights arrive through Constant/folding chains
    and quantizers fail with "Expected … to be an initializer"."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(str(src), str(dst), skip_symbolic_shape=False, auto_merge=True)


def _session(path: Path, threads: int = 2):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    inputs = [i.name for i in sess.get_inputs()]
    return lambda feed: dict(zip(names, sess.run(None, {k: feed[k] for k in inputs})))


def _enum(cls, name: str, table: dict, what: str):
    if name not in table:
        raise ValueError(f"quantize.{what} {name!r} is not one of {', '.join(table)}")
    return getattr(cls, table[name])


def quantize_static_qdq(src: Path, dst: Path, *, feeds: list[dict], q: dict, emit=print) -> dict:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    cal = q.get("calibration", {})
    method = cal.get("algorithm", "minmax")
    calib_feeds = feeds  # calibration.size counts images, applied by the pipeline (see nncf_ov)
    keep = q.get("keep_float", {})
    with tempfile.TemporaryDirectory(prefix="edgevfm-qdq-") as tmp:
        tmp = Path(tmp)
        pre = tmp / "pre.onnx"
        pre_process(src, pre)
        graph = onnx.load(str(pre), load_external_data=False).graph
        inputs = [i.name for i in graph.input]
        nodes = [(n.name, n.op_type) for n in graph.node]
        op_types = q.get("op_types") or sorted({op for _, op in nodes})
        base = matching_nodes(nodes, op_types=keep.get("op_types", ()), patterns=keep.get("nodes", ()))
        extra = {
            "ActivationSymmetric": bool(q.get("symmetric_activations", False)),
            "WeightSymmetric": True,
            **({"CalibPercentile": float(cal["percentile"])} if "percentile" in cal else {}),
            **({"CalibNumBins": int(cal["num_bins"])} if "num_bins" in cal else {}),
        }
        settings = dict(
            quant_format=QuantFormat.QDQ, per_channel=bool(q.get("per_channel", True)),
            reduce_range=bool(q.get("reduce_range", REDUCE_RANGE)),
            activation_type=_enum(QuantType, q.get("activation_type", "uint8"), _DTYPES, "activation_type"),
            weight_type=_enum(QuantType, q.get("weight_type", "int8"), _DTYPES, "weight_type"),
            op_types_to_quantize=op_types,
            calibrate_method=_enum(CalibrationMethod, method, _ALGORITHMS, "calibration.algorithm"),
            calibration_cache_path=str(tmp / "ranges.json"), extra_options=extra,
        )
        counter = iter(range(1_000_000))

        def build(excluded: list[str]):
            out = tmp / f"q{next(counter)}.onnx"
            quantize_static(str(pre), str(out), FeedReader(calib_feeds, inputs), nodes_to_exclude=excluded, **settings)
            return out

        emit(f"  calibrating ({method}, {len(calib_feeds)} feeds) and quantizing to QDQ …")
        sens = q.get("sensitivity", {})
        info: dict = {"method": "ort-static-qdq", "calibration": {"algorithm": method, "feeds": len(calib_feeds)},
                      "per_channel": settings["per_channel"], "activation_type": q.get("activation_type", "uint8"),
                      "weight_type": q.get("weight_type", "int8"), "op_types": op_types,
                      "reduce_range": settings["reduce_range"]}
        if sens.get("enabled") and "target_sqnr_db" in sens:
            val = feeds[-int(sens.get("validation_images", 1)):]
            ref_run = _session(pre)
            reference = [ref_run(f) for f in val]
            quantizable = [n for n, op in nodes if op in op_types and n not in base]
            blocks = group_blocks(quantizable, sens.get("blocks", []))
            best, result = fallback_until(
                blocks=blocks, base_excluded=base, build=build,
                measure=lambda p: worst_sqnr(_session(p), val, reference),
                latency=lambda p: median_ms(_session(p), val[0]),
                **search_limits(sens, len(blocks)), full=quantizable, build_full=lambda: pre, progress=emit)
            excluded = result.kept_float
            info["sensitivity"] = {**result.manifest(), "target_from": sens.get("target_from", "recipe/--parity-target"),
                                   "measured_on": f"last {len(val)} calibration feed(s) (never the parity images)"}
        else:
            best, excluded = build(base), base
        shutil.copyfile(best, dst)
    qnodes = [n for n, op in nodes if op in op_types and n not in set(excluded)]
    info["float_kept"] = {"op_types": list(keep.get("op_types", [])), "patterns": list(keep.get("nodes", [])),
                          "nodes": excluded}
    info["quantized_nodes"] = len(qnodes)
    info["float_op_types"] = sorted({op for _, op in nodes} - set(op_types))  # never quantized: run in float
    return info
