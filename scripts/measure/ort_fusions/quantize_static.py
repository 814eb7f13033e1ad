"""SRC DST INPUT KEEP_FLOAT_RE: edgevfm's ort-static QDQ quantizer (onnx-int8 settings) calibrated on 4 seeded random 224² inputs (a speed comparison, not a parity one)."""
import sys, numpy as np
from pathlib import Path
from edgevfm.quantize.ort_static import quantize_static_qdq
src, dst, inp = sys.argv[1], sys.argv[2], sys.argv[3]
rng = np.random.default_rng(1)
feeds = [{inp: rng.standard_normal((1, 3, 224, 224), dtype=np.float32)} for _ in range(4)]
q = {"activation_type": "uint8", "weight_type": "int8", "per_channel": True, "op_types": ["Conv", "MatMul", "Gemm"],
     "calibration": {"algorithm": "minmax"}, "keep_float": {"op_types": [], "nodes": [sys.argv[4]]}}
info = quantize_static_qdq(Path(src), Path(dst), feeds=feeds, q=q, emit=lambda *a: None)
print(dst, {k: v for k, v in info.items() if k in ("quantized_nodes",)})
