"""`edgevfm list` answers without importing torch, TensorFlow or any converter, and prints no warnings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "tensorflow", "onnx", "openvino", "coremltools", "executorch", "litert_torch", "nncf", "tensorrt")
PROBE = """
import sys
from edgevfm.cli.main import main
rc = main(sys.argv[1:])
print("HEAVY=" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
sys.exit(rc)
"""


@pytest.mark.parametrize("what", ["targets", "models"])
def test_list_imports_nothing_heavy_and_prints_no_warnings(what):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "runtime"), os.environ.get("PYTHONPATH", "")]),
           "PYTHONWARNINGS": "default"}  # warnings on, as a user's shell may have them
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), "list", what, "--json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == ["HEAVY="], proc.stderr  # nothing heavy imported, and nothing else on stderr
    rows = json.loads(proc.stdout)[what]
    assert rows and "warning" not in proc.stdout.lower()
    if what == "targets":
        assert {r["name"] for r in rows} >= {"onnx-fp32", "x86-fp32", "android-fp32", "jetson-fp16", "executorch-fp32"}
