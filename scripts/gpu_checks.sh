#!/usr/bin/env bash
# GPU checks (NVIDIA GPU + TensorRT >= 10 + cuda-python): the gated TensorRT tests, then a
# jetson-int8 MobileSAM bundle built into engines and checked against its golden data. < 10 min.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip -q install "tensorrt>=10" "cuda-python>=12.6"
export EDGEVFM_TRT_CACHE=${EDGEVFM_TRT_CACHE:-$(mktemp -d)/trt}
timeout 300 .venv/bin/python -m pytest -q -m gpu -rs tests/targets
out=$(mktemp -d)/sam-jetson-int8
timeout 240 .venv/bin/edgevfm export sam --target jetson-int8 --weights random:0 -o "$out"   # parity measured in TensorRT here
timeout 60 .venv/bin/edgevfm-rt build "$out"
timeout 60 .venv/bin/edgevfm check "$out"
