"""ios-* (Core ML): ML program conversion, IO names/ops/size validated here; prediction needs macOS,
so parity is never claimed on other hosts."""
import platform

import pytest

pytest.importorskip("coremltools", reason="coremltools not installed (pip install 'edgevfm[edge]')")

from edgevfm.targets import PRESETS, TARGETS  # noqa: E402
from edgevfm_runtime.engines import get_engine  # noqa: E402
from edgevfm_runtime.hashing import sha256_path  # noqa: E402


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_mlpackage_spec(tmp_path, tiny_component, precision):
    conv = TARGETS.get("coreml").convert(tiny_component, tmp_path, recipe={}, precision=precision, emit=lambda s: None)
    pkg = tmp_path / conv.file
    assert pkg.is_dir() and conv.file == "encoder.mlpackage"
    assert len(sha256_path(pkg)) == 64
    spec = conv.notes["spec"]
    assert spec["inputs"] == ["pixel_values"] and spec["outputs"] == ["pooled", "tokens"]
    assert spec["ops"]["gelu"] == 1 and spec["resize_ops"] == []
    if precision == "int8":
        assert spec["ops"].get("constexpr_affine_dequantize", 0) + spec["ops"].get("constexpr_blockwise_shift_scale", 0) >= 1


@pytest.mark.skipif(platform.system() == "Darwin", reason="on macOS Core ML prediction is available")
def test_parity_not_claimed_off_macos():
    assert TARGETS.get("coreml").parity_engine() is None
    assert "macOS" in get_engine("coreml").unavailable_reason()
    assert PRESETS.get("coreml-int8").name == "ios-int8"
