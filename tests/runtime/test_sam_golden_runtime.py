"""The exported bundle, run by the torch-free runtime, reproduces the official SamPredictor."""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_torch_free(*args) -> dict:
    code = (
        "import sys, runpy; sys.modules['torch'] = None\n"  # any import of torch now fails loudly
        f"sys.argv = {[str(HERE / 'golden_sam_check.py'), *map(str, args)]!r}\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_bundle_reproduces_official_predictor(sam_golden_bundle, golden_dir):
    res = run_torch_free(sam_golden_bundle, golden_dir / "mobilesam_chelsea.npz", golden_dir / "mobilesam_portrait.npz")
    assert res["torch_imported"] is False
    assert res["cases"] == 2 * 4 * 3
    assert "CPUExecutionProvider" in res["engine"]
    assert res["embedding_abs"] < 1e-4, res  # measured 3.6e-6 (embedding scale ~4.3)
    assert res["mask_iou"] >= 0.99, res
    assert res["iou_abs"] < 1e-3, res
    assert res["lowres_rel"] < 1e-3, res
