"""Test helper: perturb a bundle's weights and re-sign it, so only parity (not the hash check) can catch it."""
import json
import shutil

import numpy as np
import onnx
from onnx import numpy_helper

from edgevfm_runtime.hashing import sha256_path


def perturbed_copy(src, dst, *, component: str = "encoder", scale: float = 0.01):
    """Copy bundle ``src`` to ``dst`` with multiplicative noise on every float weight of ``component``."""
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    path = dst / m["components"][component]["file"]
    model = onnx.load(path)
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and w.size > 1:
            init.CopyFrom(numpy_helper.from_array(w * (1 + scale * rng.standard_normal(w.shape, np.float32)), init.name))
    onnx.save(model, path)
    m["components"][component]["sha256"] = sha256_path(path)
    m["components"][component]["file_bytes"] = path.stat().st_size
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst


def flip_byte(path, offset: int = 100) -> None:
    """Flip the lowest bit of one byte of ``path`` in place (a one-bit corruption its sha256 must catch)."""
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 1]))
