"""The TensorRT engine builder's use of the manifest's build settings, with a stand-in tensorrt module
(runs anywhere; the real build is GPU-gated in test_tensorrt_engine.py)."""
def test_one_optimization_profile_covers_every_dynamic_input(tmp_path, monkeypatch):
    """TensorRT rejects a profile that leaves a dynamic input unset: SAM's decoder has two (point_coords and
    point_labels), so the builder must put both into one profile. Runs with a stand-in tensorrt module."""
    import sys
    from unittest import mock

    from edgevfm_runtime.engines import tensorrt as trt_engine

    trt = mock.MagicMock(__version__="10.0-fake")
    builder = trt.Builder.return_value
    builder.build_serialized_network.return_value = b"engine"
    config = builder.create_builder_config.return_value
    config.get_timing_cache.return_value.serialize.return_value = b"cache"
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    monkeypatch.setattr(trt_engine, "gpu_name", lambda: "Fake GPU")
    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    onnx_path = tmp_path / "decoder.onnx"
    onnx_path.write_bytes(b"not parsed by the stand-in")
    profiles = {"point_coords": {"min": [1, 1, 2], "opt": [1, 3, 2], "max": [1, 16, 2]},
                "point_labels": {"min": [1, 1], "opt": [1, 3], "max": [1, 16]}}
    out = trt_engine.build_engine(onnx_path, {"fp16": True, "profiles": profiles}, log=lambda s: None)
    assert out.read_bytes() == b"engine" and "Fake GPU" not in out.name
    assert config.add_optimization_profile.call_count == 1
    profile = builder.create_optimization_profile.return_value
    assert [c.args[0] for c in profile.set_shape.call_args_list] == ["point_coords", "point_labels"]
