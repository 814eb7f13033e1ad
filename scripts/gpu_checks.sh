#!/usr/bin/env bash
# GPU checks on an x86 NVIDIA GPU machine (driver for CUDA 12; PyPI TensorRT 10.x; the toolkit's
# exports need torch, so not on a Jetson — there: EDGEVFM_JETSON=1 bash scripts/setup.sh, then
# edgevfm-rt build/check a host-exported bundle): the runtime's TensorRT probe, the gated TensorRT tests (tiny FP16/INT8 graphs
# vs ONNX Runtime, the dynamic point profile on a decoder-shaped stand-in: 1, 17, 18 points run,
# 19 refused), then a jetson-int8 MobileSAM bundle built into engines and checked. < 10 min.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip -q install "tensorrt>=10.0,<11" "cuda-python>=12.6.1,<13"
.venv/bin/python - <<'PY'
import sys
from edgevfm_runtime.engines import get_engine
reason = get_engine("tensorrt").unavailable_reason()
print("TensorRT probe:", reason or "ready")
sys.exit(2 if reason else 0)
PY
export EDGEVFM_TRT_CACHE=${EDGEVFM_TRT_CACHE:-$(mktemp -d)/trt}
timeout 300 .venv/bin/python -m pytest -q -m gpu -rs tests/targets
out=$(mktemp -d)/sam-jetson-int8
timeout 420 .venv/bin/python -m edgevfm.cli.main export sam --target jetson-int8 --weights random:0 -o "$out"  # parity in TensorRT here
timeout 120 .venv/bin/edgevfm-rt build "$out"
timeout 120 .venv/bin/python -m edgevfm.cli.main check "$out"
