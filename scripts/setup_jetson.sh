#!/usr/bin/env bash
# Jetson (JetPack 6.1/6.2) set-up of the on-device runtime: `EDGEVFM_JETSON=1 bash scripts/setup.sh`.
# PyPI has no Tegra builds of tensorrt: the venv sees JetPack's own TensorRT 10.3 Python package
# (apt: python3-libnvinfer, part of nvidia-jetpack) through --system-site-packages, and pins
# cuda-python to 12.x (cuda.bindings appears in 12.6.1; 13.x needs a newer driver than JetPack 6).
# Only the runtime is installed (no torch): bundles are exported on a host and copied here.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
CUDA_PYTHON='cuda-python>=12.6.1,<13'
if ! "$PY" -c "import tensorrt" 2>/dev/null; then
  echo "error: $PY cannot import tensorrt: install JetPack's TensorRT Python package" \
       "(sudo apt install python3-libnvinfer, or nvidia-jetpack) and run this again" >&2
  exit 2
fi
if [ -x .venv/bin/python ] && ! grep -qi '^include-system-site-packages *= *true' .venv/pyvenv.cfg; then
  echo "error: .venv exists without system site packages, so it cannot see JetPack's TensorRT:" \
       "remove it (rm -rf .venv) and run this again" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv --system-site-packages .venv
fi
PIP=(.venv/bin/python -m pip -q --disable-pip-version-check)
stamp=.venv/.edgevfm-setup-jetson
want=$(cat runtime/pyproject.toml "$0" | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setting up .venv for Jetson (system TensorRT, $CUDA_PYTHON, edgevfm-runtime) …" >&2
  # not the [tensorrt] extra: pip must not fetch a PyPI tensorrt over JetPack's
  "${PIP[@]}" install "$CUDA_PYTHON" -e "runtime[onnx,clip]"
  echo "$want" > "$stamp"
fi
# The runtime's own probe: supported TensorRT version, cuda.bindings, a CUDA device.
.venv/bin/python - <<'PY'
import sys

import tensorrt

from edgevfm_runtime.engines import get_engine

reason = get_engine("tensorrt").unavailable_reason()
print(f"TensorRT {tensorrt.__version__} from {tensorrt.__file__}: " + (reason or "ready"))
sys.exit(2 if reason else 0)
PY
