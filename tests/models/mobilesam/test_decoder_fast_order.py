"""The decoder's fast order (re-associated cross-attention, ConvTranspose-free upscaling) computes the same
function as the official order: every output, for one click, many points (past the re-association's break-even),
boxes, mask inputs, prompt batches and the single-mask decoder."""
from __future__ import annotations

import pytest
import torch

from edgevfm.models.mobilesam.export import SamOnnxDecoder
from edgevfm.models.mobilesam.model import build_mobilesam
from edgevfm.models.mobilesam.token_upscaling import upscaled_masks


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(3)
    m = build_mobilesam()
    with torch.no_grad():  # non-trivial weights and biases everywhere (init leaves zeros, e.g. in biases)
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return m.eval()


def _feed(prompts: int, points: int, *, box: bool = False, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    coords = torch.rand(prompts, points, 2, generator=g) * 1000
    labels = torch.randint(0, 2, (prompts, points), generator=g).float()
    if box:
        labels[:, -2:] = torch.tensor([2.0, 3.0])
    else:
        labels[:, -1] = -1.0
    has_mask = (torch.arange(prompts) % 2).float()
    return (torch.randn(1, 256, 64, 64, generator=g), coords, labels,
            torch.randn(prompts, 1, 256, 256, generator=g), has_mask, torch.tensor([300.0, 451.0]))


def _close(fast, plain):
    for f, p in zip(fast, plain):
        assert f.shape == p.shape
        torch.testing.assert_close(f, p, rtol=1e-4, atol=1e-4 * float(p.abs().max()))


@pytest.mark.parametrize(("prompts", "points", "box"), [(1, 2, False), (1, 5, False), (1, 14, False),
                                                        (3, 2, True), (4, 3, False)])
@torch.no_grad()
def test_fast_order_equals_official_order(model, prompts, points, box):
    feed = _feed(prompts, points, box=box)
    _close(SamOnnxDecoder(model, fast=True)(*feed), SamOnnxDecoder(model)(*feed))


@torch.no_grad()
def test_fast_order_single_mask(model):
    feed = _feed(1, 4)
    _close(SamOnnxDecoder(model, return_single_mask=True, fast=True)(*feed),
           SamOnnxDecoder(model, return_single_mask=True)(*feed))


@torch.no_grad()
def test_token_upscaling_places_every_subpixel(model):
    """A feature map whose every token differs: the pixel shuffle must land each sub-pixel where
    ConvTranspose2d puts it (a swapped axis would still pass a smooth input)."""
    dec = model.mask_decoder
    g = torch.Generator().manual_seed(5)
    src = torch.randn(2, 64 * 64, 256, generator=g)
    hyper = torch.randn(2, 4, 32, generator=g)
    up = dec.output_upscaling(src.transpose(1, 2).reshape(2, 256, 64, 64))
    expected = (hyper @ up.reshape(2, 32, -1)).reshape(2, 4, 256, 256)
    torch.testing.assert_close(upscaled_masks(dec.output_upscaling, src, hyper, 64, 64), expected,
                               rtol=1e-4, atol=1e-4)


def test_bundles_ship_the_fast_order_and_references_run_the_official_one(sam_bundle):
    """The exported decoder is the fast order (recipe default); the torch reference that `check`, the PyTorch
    eager contender and the savvy user's plain export rebuild from the bundle runs the official order."""
    from edgevfm.check.torch_model import load_torch_model
    from edgevfm_runtime import open as open_bundle

    manifest = open_bundle(sam_bundle).manifest
    assert manifest.provenance.recipe["decoder"]["fast"] is True
    tm = load_torch_model(manifest)
    assert tm.recipe["decoder"]["fast"] is False
    decoder = {c.name: c for c in tm.family.components(tm.model, tm.variant, tm.recipe)}["decoder"].module
    assert decoder.fast is False
