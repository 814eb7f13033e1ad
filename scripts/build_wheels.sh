#!/usr/bin/env bash
# Build the two wheels (edgevfm-runtime, edgevfm) into dist/ (or $1) without any package index:
# copy the runtime wheel to a device and `pip install 'edgevfm_runtime-*.whl[onnx]'` there.
# Uses the Python in $PYTHON (default: .venv/bin/python, else python3); when it already has
# setuptools the build runs without isolation, so no download is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
OUT=${1:-dist}
mkdir -p "$OUT"
iso=()
if "$PY" -c "import setuptools, wheel" 2>/dev/null; then iso=(--no-build-isolation); fi
for src in ./runtime .; do
  "$PY" -m pip wheel -q --disable-pip-version-check --no-deps "${iso[@]}" -w "$OUT" "$src"
done
ls -1 "$OUT"/edgevfm_runtime-*.whl "$OUT"/edgevfm-*.whl
