"""Static-shape twins: SAM's decoder without orig_im_size/masks keeps the official numerics, and
CLIP's batch axis is fixed for engines without dynamic shapes."""
import pytest
import torch

from edgevfm import weights as W
from edgevfm.models import get_model
from edgevfm.models.mobilesam.export import example_decoder_inputs
from edgevfm.targets.static_io import data_dependent_outputs, fix_dims, static_twin


@pytest.fixture(scope="module")
def sam_decoder():
    fam = get_model("sam")
    model = fam.load("vit_t", W.resolve("random:0", fam.weight_source("vit_t"), model="mobilesam"))
    return fam.components(model, "vit_t", {})[1]


def test_sam_decoder_twin(sam_decoder):
    assert data_dependent_outputs(sam_decoder) == ["masks"]
    twin, host = static_twin(sam_decoder)
    assert host == {"masks": "sam_upscale_masks"}
    assert "orig_im_size" not in twin.input_names and twin.output_names == ["iou_predictions", "low_res_masks"]
    assert data_dependent_outputs(twin) == []
    for n in (1, 3, 7):
        args = example_decoder_inputs(n)
        _, iou, low = sam_decoder.module(*args)
        iou2, low2 = twin.module(*args[:5])
        assert torch.equal(iou, iou2) and torch.equal(low, low2)


def test_fix_dims_keeps_point_ranges_and_fixes_batch(sam_decoder):
    twin = fix_dims(static_twin(sam_decoder)[0])
    assert twin.inputs[1].shape == (1, "num_points", 2)
    clip = get_model("clip")
    comps = clip.components(clip.load("tinyclip-8m16", W.resolve("random:0", clip.weight_source("tinyclip-8m16"),
                                                                  model="clip")), "tinyclip-8m16", {})
    fixed = fix_dims(comps[1])
    assert fixed.inputs[0].shape == (1, 77) and fixed.dynamic_axes == {}


class _Crop(torch.nn.Module):
    """An output whose size follows an input's values: it needs a static twin on static engines."""

    def forward(self, x, size):
        return x[:, : int(size[0])]


def _crop_component(**kw):
    from edgevfm.models.spec import Component, TensorSpec

    return Component("crop", _Crop(), (torch.zeros(1, 8), torch.tensor([4.0])),
                     [TensorSpec("x", "float32", (1, 8)), TensorSpec("size", "float32", (1,))],
                     [TensorSpec("y", "float32", (1, "n"))], **kw)


def test_static_twin_is_what_the_component_declares():
    """No lookup by class name: a component without a declared twin is refused, one with a twin gets
    it with the component's dim ranges and host outputs."""
    from dataclasses import replace

    with pytest.raises(ValueError, match=r"crop outputs \['y'\] have data-dependent shapes and no static twin"):
        static_twin(_crop_component())

    def twin_of(comp):
        return replace(comp, inputs=comp.inputs[:1], outputs=[replace(comp.outputs[0], shape=(1, 8))],
                       example_args=comp.example_args[:1], static_twin=None)

    twin, host = static_twin(_crop_component(static_twin=twin_of, twin_host_outputs={"y": "crop_on_host"},
                                             dim_ranges={"n": (1, 8)}))
    assert twin.input_names == ["x"] and data_dependent_outputs(twin) == []
    assert host == {"y": "crop_on_host"} and twin.dim_ranges == {"n": (1, 8)}


def test_onnx_export_host_outputs_is_opt_in(sam_decoder):
    """ONNX presets keep the official in-graph decoder unless ``export.host_outputs: true`` asks for the
    static twin (masks upscaled by the runtime on the host)."""
    from edgevfm.targets.onnx import host_finished

    assert host_finished(sam_decoder, {}) == (sam_decoder, {})
    twin, host = host_finished(sam_decoder, {"export": {"host_outputs": True}})
    assert host == {"masks": "sam_upscale_masks"} and "orig_im_size" not in twin.input_names
    assert twin.dynamic_axes["point_coords"]  # ORT keeps the prompt dims dynamic
