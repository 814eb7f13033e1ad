#!/usr/bin/env bash
# The main job on a fresh machine: set up, export MobileSAM to an ONNX bundle, segment a photo with
# the torch-free runtime, check parity, and benchmark it against PyTorch eager and a plain ONNX export.
# Official weights are used when they can be downloaded; otherwise (offline) seeded random weights,
# and every output says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p out
python - <<'PY'
import skimage.data
from PIL import Image
Image.fromarray(skimage.data.chelsea()).save("out/chelsea.jpg")
PY
edgevfm export sam --target onnx-fp32 --weights "${EDGEVFM_WEIGHTS:-auto}" -o out/sam-vit_t-onnx-fp32
edgevfm-rt run out/sam-vit_t-onnx-fp32 out/chelsea.jpg --point 250,135 -o out/chelsea_mask.png
edgevfm check out/sam-vit_t-onnx-fp32
edgevfm bench out/sam-vit_t-onnx-fp32 --threads 2 --runs "${EDGEVFM_BENCH_RUNS:-5}" --json out/bench.json --md out/bench.md --plot out/bench.png
