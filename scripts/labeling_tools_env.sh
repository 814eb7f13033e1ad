#!/usr/bin/env bash
# Test-only virtual environments for tests/labeling_tools: the labeling tools that load our SAM bundles,
# each in its own venv (both install a top-level package named `anylabeling`). Idempotent: a stamp per
# venv skips the install when the pinned requirement is unchanged, so CI can cache .venv-labeling/.
#   bash scripts/labeling_tools_env.sh [DIR]   (default: .venv-labeling; EDGEVFM_LABELING_VENVS overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-${EDGEVFM_LABELING_VENVS:-.venv-labeling}}
PY=${PYTHON:-python3}
declare -A apps=(
  [xanylabeling]="x-anylabeling-cvhub[cpu]==4.2.1"
  [anylabeling]="anylabeling==0.4.43"
)
for app in "${!apps[@]}"; do
  venv="$root/$app" req=${apps[$app]}
  stamp="$venv/.edgevfm-labeling"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$req" ]; then
    continue
  fi
  echo "setting up $venv ($req) …" >&2
  [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
  "$venv/bin/python" -m pip -q --disable-pip-version-check install "$req"
  echo "$req" > "$stamp"
done
