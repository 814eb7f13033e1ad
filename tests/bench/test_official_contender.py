"""The official-mobilesam contender kind: the official TinyViT source loaded from a clone, given our
checkpoint's weights, exported the plain way. The clone is stood in for by a file that builds our own
TinyViT port under the official constructor's signature (same state-dict keys), so the plumbing —
loading the file, the strict weight copy, the plain export, the cache and the engine — is what runs;
with ``MOBILESAM_SRC`` set to a real clone the same test also runs the official code itself."""
import os

import numpy as np
import pytest

FAKE_OFFICIAL = '''
from edgevfm.models.mobilesam.tiny_vit import TinyViT as _Ours


def TinyViT(*, in_chans, embed_dims, depths, num_heads, window_sizes, mlp_ratio, mbconv_expand_ratio,
            num_classes, **_unused):
    return _Ours(in_chans=in_chans, embed_dims=embed_dims, depths=depths, num_heads=num_heads,
                 window_sizes=window_sizes, mlp_ratio=mlp_ratio, mbconv_expand_ratio=mbconv_expand_ratio,
                 num_classes=num_classes)
'''


@pytest.fixture(params=["stand-in", "MOBILESAM_SRC"])
def fake_clone(request, tmp_path):
    if request.param == "MOBILESAM_SRC":
        if not os.environ.get("MOBILESAM_SRC"):
            pytest.skip("MOBILESAM_SRC (a clone of the official MobileSAM) is not set")
        return os.environ["MOBILESAM_SRC"]
    f = tmp_path / "MobileSAM" / "mobile_sam" / "modeling" / "tiny_vit_sam.py"
    f.parent.mkdir(parents=True)
    f.write_text(FAKE_OFFICIAL)
    return tmp_path / "MobileSAM"


def test_official_contender_runs_the_official_encoder(sam_bundle, fake_clone, tmp_path):
    from edgevfm.bench import kinds  # noqa: F401 - registers the kind
    from edgevfm_runtime import golden as G
    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.bench.contenders import ContenderSpec, open_contender
    from edgevfm_runtime.parity import tensor_metrics
    from edgevfm_runtime.replay import component_feed

    spec = ContenderSpec("official plain onnx fp32", str(sam_bundle), kind="official-mobilesam",
                         options={"src": str(fake_clone), "workdir": str(tmp_path / "work")})
    opened = open_contender(spec)
    assert opened.info["kind"] == "official-mobilesam" and opened.parity is None  # measured by the bench, not assumed
    assert opened.info["exporter"]["encoder"].startswith("official TinyViT, torch.onnx.export")
    assert opened.info["official_source"].endswith("tiny_vit_sam.py")
    b = open_bundle(sam_bundle)
    case = G.parse(b.golden)["encoder"]["0"]
    feed = component_feed(b, "encoder", case)
    got = opened.source.session("encoder", threads=1).run(feed)["image_embeddings"]
    assert tensor_metrics(case["out"]["image_embeddings"], got)["cosine"] > 0.999  # our weights, official code
    again = open_contender(spec)  # cached: the same files, not a second export
    assert again.info["files"] == opened.info["files"]


def test_official_contender_without_a_clone_says_what_to_set(sam_bundle, tmp_path):
    from edgevfm.bench import kinds  # noqa: F401
    from edgevfm.bench.official_sam import OfficialSourceMissing
    from edgevfm_runtime.bench.contenders import ContenderSpec, open_contender

    spec = ContenderSpec("official", str(sam_bundle), kind="official-mobilesam",
                         options={"src": "", "workdir": str(tmp_path)})
    with pytest.raises(OfficialSourceMissing, match="MOBILESAM_SRC"):
        open_contender(spec)
    np.testing.assert_equal(list(tmp_path.iterdir()), [])  # nothing exported before the source was found
