"""MobileSAM's TinyViT encoder (reduced: 128 px, one block per stage, random BatchNorm statistics)
through the ExecuTorch lowering the executorch-* presets use: the weights the model derives in
``forward`` (BatchNorm folding, q/k/v row slices, the gathered relative-position bias) are folded to
constants, so every Conv/Linear/attention op lands in the XNNPACK delegate, and the .pte reproduces
torch. LayerNorm stays on the portable kernels: ExecuTorch 1.5.1's XNNPACK partitioner has no
LayerNorm config (before the folding: 34 delegate partitions and 67 portable ops at this size). The full
1024-px encoder goes through the same code in test_executorch_families.py (opt-in, ~3 min)."""
import importlib.util

import numpy as np
import pytest
import torch
from tinyvit_testing import tiny_tinyvit

pytestmark = pytest.mark.skipif(importlib.util.find_spec("executorch") is None,
                                reason="executorch not installed (pip install 'edgevfm[executorch]')")


def _tiny_encoder(monkeypatch):
    model = tiny_tinyvit(monkeypatch, 128, depths=(1, 1, 1, 1))
    with torch.no_grad():
        for mod in model.modules():
            if hasattr(mod, "attention_biases"):
                mod.attention_biases.normal_()
    return model


def test_tinyvit_weights_fold_into_the_delegate_and_match_torch(monkeypatch):
    from executorch.runtime import Runtime

    from edgevfm.targets.executorch_lower import lower

    model = _tiny_encoder(monkeypatch)
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float64)
        pte, report = lower(torch.export.export(model, (x,), strict=False))
    assert set(report["portable_ops"]) <= {"native_layer_norm.default"}, report
    # each LayerNorm splits the delegate at most once
    assert report["delegated_subgraphs"] <= report["portable_ops"].get("native_layer_norm.default", 0) + 1, report
    got = Runtime.get().load_program(pte).load_method("forward").execute([x])[0].numpy()
    sqnr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - got) ** 2))
    assert sqnr >= 60, sqnr
