"""SRC DST OP_TYPES: edgevfm's ort-dynamic quantizer (arm-int8) on SRC with these op types (Attention → QAttention)."""
import sys
from pathlib import Path
from edgevfm.quantize.ort_dynamic import quantize_dynamic_int8
src, dst, ops = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
info = quantize_dynamic_int8(Path(src), Path(dst), q={"op_types": ops, "per_channel": True}, emit=lambda *a: None)
print(dst, info["quantized_nodes"])
