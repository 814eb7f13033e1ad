"""The export pipeline: bundle contents, atomic writes, parity gate, registries."""
import json

import numpy as np
import onnx
import pytest
import yaml

from edgevfm.export import pipeline
from edgevfm.registry import UnknownName


def test_bundle_contents(sam_bundle):
    names = sorted(p.name for p in sam_bundle.iterdir())
    assert names == ["decoder.onnx", "encoder.onnx", "golden.npz", "labeling", "manifest.json",
                     "xanylabeling_config.yaml"]
    m = json.loads((sam_bundle / "manifest.json").read_text())
    assert m["schema_version"] == 2
    assert m["model"]["weights"] == {"kind": "random", "id": "random:0", "random": True}
    assert m["parity"]["status"] == "passed" and m["parity"]["gated"] and m["parity"]["failures"] == []
    assert m["provenance"]["recipe"]["target"] == "onnx-fp32" and len(m["provenance"]["recipe_sha256"]) == 64
    assert "torch" in m["provenance"]["tools"]
    cfg = yaml.safe_load((sam_bundle / "xanylabeling_config.yaml").read_text())
    assert cfg["type"] == "segment_anything" and cfg["decoder_model_path"] == "labeling/decoder.onnx"
    assert cfg["input_size"] == 1024


def test_onnx_interfaces(sam_bundle):
    enc = onnx.load(sam_bundle / "encoder.onnx", load_external_data=False)
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [(i.name, dims(i)) for i in enc.graph.input] == [("images", [1, 3, 1024, 1024])]
    assert [(o.name, dims(o)) for o in enc.graph.output] == [("image_embeddings", [1, 256, 64, 64])]
    dec = onnx.load(sam_bundle / "decoder.onnx", load_external_data=False)
    ins = {i.name: (i.type.tensor_type.elem_type, dims(i)) for i in dec.graph.input}
    f32 = onnx.TensorProto.FLOAT
    assert ins == {
        # dim 0 "prompts": the prompt batch (1 = the official labeling-tool contract)
        "image_embeddings": (f32, [1, 256, 64, 64]), "point_coords": (f32, ["prompts", "num_points", 2]),
        "point_labels": (f32, ["prompts", "num_points"]), "mask_input": (f32, ["prompts", 1, 256, 256]),
        "has_mask_input": (f32, ["prompts"]), "orig_im_size": (f32, [2]),
    }
    assert [o.name for o in dec.graph.output] == ["masks", "iou_predictions", "low_res_masks"]


def test_interrupted_export_leaves_nothing(tmp_path, monkeypatch):
    from edgevfm.models.mobilesam.family import MobileSAMFamily

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(MobileSAMFamily, "golden", boom)
    out = tmp_path / "b"
    with pytest.raises(KeyboardInterrupt):
        pipeline.export("sam", target="onnx-fp32", weights="random:0", output=out, emit=lambda s: None)
    assert list(tmp_path.iterdir()) == []


def test_failed_gate_exits_and_names_output(tmp_path):
    out = tmp_path / "b"
    # An impossible threshold makes the gate fail; the message names component and output.
    with pytest.raises(pipeline.ExportError, match=r"encoder.image_embeddings: sqnr_db = .* \(needs >= 1e\+06\)"):
        pipeline.export("sam", target="onnx-fp32", weights="random:0", output=out, emit=lambda s: None,
                        overrides=["parity.thresholds.encoder.image_embeddings.sqnr_db=1000000"])
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unknown_names_have_did_you_mean():
    with pytest.raises(UnknownName, match="did you mean 'onnx-fp32'"):
        pipeline.export("sam", target="onnx-fp23", weights="random:0")
    with pytest.raises(UnknownName, match="did you mean 'sam'"):
        pipeline.export("sma", target="onnx-fp32", weights="random:0")


def test_golden_layout(sam_bundle):
    z = np.load(sam_bundle / "golden.npz")
    assert "encoder/0/src/image" in z.files and "encoder/0/out/image_embeddings" in z.files
    assert "decoder/0.point_feedback/in/mask_input" in z.files
    assert z["decoder/0.point_feedback/in/has_mask_input"].tolist() == [1.0]
