#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtual environment in .venv with the CPU build of
# torch (installed first, pinned through constraints.txt) and both edgevfm distributions.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${EDGEVFM_JETSON:-0}" = 1 ]; then  # on-device runtime with JetPack's TensorRT (see the script)
  exec bash scripts/setup_jetson.sh
fi
PY=${PYTHON:-python3}
# tests/devices start a real sshd on 127.0.0.1: install OpenSSH where it is missing and apt can (CI runs as root).
if ! command -v sshd >/dev/null && [ ! -x /usr/sbin/sshd ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client >/dev/null
fi
# cpp/ (built by tests/cpp): compiler, CMake, clang-tidy (tests/cpp/test_clang_tidy.py) and the libraries it
# links; installed where apt can as root.
cpp_pkgs=()
for need in cmake:cmake g++:g++ ninja:ninja-build pkg-config:pkgconf clang-tidy:clang-tidy; do
  command -v "${need%%:*}" >/dev/null || cpp_pkgs+=("${need##*:}")
done
for need in nlohmann/json.hpp:nlohmann-json3-dev gtest/gtest.h:libgtest-dev stb/stb_image.h:libstb-dev zip.h:libzip-dev openssl/evp.h:libssl-dev; do
  [ -e "/usr/include/${need%%:*}" ] || cpp_pkgs+=("${need##*:}")
done
if [ ${#cpp_pkgs[@]} -gt 0 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${cpp_pkgs[@]}" >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip -q --disable-pip-version-check)
stamp=.venv/.edgevfm-setup
want=$(cat constraints.txt pyproject.toml runtime/pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setting up .venv (torch CPU build + edgevfm) …" >&2
"${PIP[@]}" install -c constraints.txt "torch==2.13.0"
"${PIP[@]}" install -c constraints.txt -e "runtime[onnx,clip,tflite,openvino,plot,sign]" -e ".[test,edge,openvino,executorch]"  # edge: LiteRT + Core ML converters
# the official DINOv2 code for the tests' references; its metadata pins torch 2.0 and xformers, none needed here
"${PIP[@]}" install --no-deps "dinov2==0.0.1.dev2"
echo "$want" > "$stamp"
