"""The SAM students build with SAM's embedding shape, load strictly from their own state dicts (and
refuse each other's), and export to plain ONNX (default-domain ops only) that ONNX Runtime runs to the
eager output. Reduced size (128 px) here; the full 1024-px export and `edgevfm check` are in
test_export_student.py (opt-in)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from edgevfm.models.mobilesam.encoders import STUDENTS
from edgevfm.models.mobilesam.model import build_mobilesam


def _seeded(variant: str):
    torch.manual_seed(5)
    return build_mobilesam(variant)


def _load(variant: str, path):
    from edgevfm import weights as W
    from edgevfm.models import get_model

    fam = get_model("sam")
    return fam.load(variant, W.resolve(str(path), fam.weight_source(variant), model=fam.family))


@pytest.mark.parametrize("variant", STUDENTS)
def test_student_gives_sams_embedding_grid(variant):
    enc = _seeded(variant).image_encoder
    with torch.no_grad():
        assert tuple(enc(torch.randn(2, 3, 128, 128)).shape) == (2, 256, 8, 8)


@pytest.mark.parametrize("variant", STUDENTS)
def test_student_loads_strictly_from_its_state_dict(variant, tmp_path):
    from edgevfm.models._loading import CheckpointError

    want = _seeded(variant).state_dict()
    path = tmp_path / f"{variant}.pt"
    torch.save(want, path)
    got = _load(variant, path).state_dict()
    assert set(got) == set(want) and all(torch.equal(got[k], want[k]) for k in want)
    other = next(v for v in STUDENTS if v != variant)
    with pytest.raises(CheckpointError, match="does not match"):
        _load(other, path)


@pytest.mark.parametrize("variant", STUDENTS)
def test_student_exports_to_plain_onnx(variant, tmp_path):
    import onnx
    import onnxruntime as ort

    enc = _seeded(variant).image_encoder.eval()
    x = torch.randn(1, 3, 128, 128)
    path = tmp_path / "enc.onnx"
    torch.onnx.export(enc, (x,), str(path), input_names=["images"], output_names=["emb"], opset_version=17,
                      dynamo=False)
    ops = {(n.domain or "", n.op_type) for n in onnx.load(str(path)).graph.node}
    assert all(domain == "" for domain, _ in ops), f"non-standard ops: {sorted(ops)}"
    assert not {op for _, op in ops} & {"BatchNormalization"}, "BatchNorm did not fold into the convs"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    got = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"]).run(None, {"images": x.numpy()})[0]
    with torch.no_grad():
        ref = enc(x).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-3, atol=1e-3 * float(np.abs(ref).max()))
