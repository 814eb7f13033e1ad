"""MobileSAM's TinyViT encoder (reduced: 32 px, two stages, one block) through the executorch-int8
path: PT2E static INT8 with the XNNPACK quantizer, then the ExecuTorch lowering. The window attention
zero-pads its input right after a quantized conv (PatchMerging); before ``requantize_after_pads`` that
pad reached XNNPACK as an FP32→INT8 pad and the program failed to load ("Init failed for backend
XnnpackBackend"), so ``edgevfm export sam --target executorch-int8`` refused every bundle. The full
encoder goes through the same code in ``edgevfm export sam --target executorch-int8``."""
import importlib.util

import numpy as np
import pytest
import torch
from tinyvit_testing import tiny_tinyvit

pytestmark = pytest.mark.skipif(importlib.util.find_spec("executorch") is None,
                                reason="executorch not installed (pip install 'edgevfm[executorch]')")

SIZE = 32  # stage 1 (320 wide: stride-1 PatchMerging) runs at 8x8 in 7x7 windows: padded to 14x14


def _tiny_encoder(monkeypatch):
    return tiny_tinyvit(monkeypatch, SIZE, embed_dims=(16, 320), depths=(1, 1), num_heads=(1, 10),
                        window_sizes=(7, 7), num_classes=8, out_chans=32)


def _int8_program(model, calib: list[torch.Tensor]) -> torch.export.ExportedProgram:
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    from edgevfm.targets.executorch_quant import quantizer

    prepared = prepare_pt2e(torch.export.export(model, (calib[0],), strict=False).module(),
                            quantizer({"op_types": ["linear", "conv2d"]}, []))
    with torch.no_grad():
        for x in calib:
            prepared(x)
    return torch.export.export(convert_pt2e(prepared), (calib[0],), strict=False)


def test_int8_tinyvit_loads_in_xnnpack_and_tracks_torch(monkeypatch):
    from executorch.runtime import Runtime

    from edgevfm.targets.executorch_lower import lower

    model = _tiny_encoder(monkeypatch)
    calib = [torch.randn(1, 3, SIZE, SIZE) for _ in range(4)]
    program = _int8_program(model, calib)
    assert any("pad" in str(n.target) for n in program.graph.nodes)  # the window pad is there
    pte, report = lower(program)
    assert set(report["portable_ops"]) <= {"native_layer_norm.default"}, report
    x = torch.randn(1, 3, SIZE, SIZE)
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float64)
    got = Runtime.get().load_program(pte).load_method("forward").execute([x])[0].numpy()  # raised before the fix
    sqnr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - got) ** 2))
    assert sqnr >= 20, sqnr


def test_requantize_after_pads_moves_the_pair_below_a_zero_pad():
    """The rewrite itself on an edge graph: q → dq → pad(0) becomes pad(0) → q → dq with the same params,
    and the graph computes the same values."""
    from executorch.exir import to_edge

    from edgevfm.targets.executorch_passes import requantize_after_pads

    class Padded(torch.nn.Module):
        def forward(self, x):
            q = torch.ops.quantized_decomposed.quantize_per_tensor.default(x, 0.05, 3, -128, 127, torch.int8)
            dq = torch.ops.quantized_decomposed.dequantize_per_tensor.default(q, 0.05, 3, -128, 127, torch.int8)
            return torch.nn.functional.pad(dq, (0, 0, 0, 2, 0, 3)).abs()

    x = torch.randn(1, 4, 5, 6)
    gm = to_edge(torch.export.export(Padded(), (x,), strict=False)).exported_program().graph_module
    want = gm(x)[0]
    assert requantize_after_pads(gm).modified
    order = [str(getattr(n.target, "_op", n.target)) for n in gm.graph.nodes if n.op == "call_function"]
    assert [o.split(".")[-2] for o in order[:3]] == ["constant_pad_nd", "quantize_per_tensor", "dequantize_per_tensor"]
    torch.testing.assert_close(gm(x)[0], want, rtol=0, atol=0)
    assert not requantize_after_pads(gm).modified
