"""The TensorRT engine builder on CPU, against a strict stand-in of TensorRT 10.3's Python API
(trt_standin.py): no precision flags (strongly typed), one optimization profile, engine cache keys
that include the build settings, and the timing cache's life cycle. The real build is GPU-gated in
test_tensorrt_engine.py."""
import threading
import time

import pytest

from edgevfm_runtime.engines import tensorrt as trt_engine
from edgevfm_runtime.engines import trt_cache
from edgevfm_runtime.errors import EngineUnavailable

from trt_standin import REMOVED_IN_11, fake_cudart, fake_tensorrt, install

PROFILES = {"point_coords": {"min": [1, 1, 2], "opt": [1, 3, 2], "max": [1, 18, 2]},
            "point_labels": {"min": [1, 1], "opt": [1, 3], "max": [1, 18]}}
BUILD = {"precision": "int8", "strongly_typed": True, "profiles": PROFILES, "workspace_mib": 512, "timing_cache": True}


@pytest.fixture
def trt(tmp_path, monkeypatch):
    mod, handles = fake_tensorrt()
    install(monkeypatch, mod, fake_cudart())
    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    onnx_path = tmp_path / "decoder.onnx"
    onnx_path.write_bytes(b"not parsed by the stand-in")
    return mod, handles, onnx_path


def _quiet(_msg):
    pass


def test_the_stand_in_refuses_what_tensorrt_10_3_or_11_lacks():
    """The stand-in must be able to fail a test: typos and removed APIs raise AttributeError."""
    t10, h = fake_tensorrt()
    t11, h11 = fake_tensorrt("11.0.0", removed=REMOVED_IN_11)
    assert int(t10.BuilderFlag.INT8) >= 0 and t10.NetworkDefinitionCreationFlag.STRONGLY_TYPED
    for bad in (lambda: t10.BuilderFlag.FP61, lambda: h.config.set_flags, lambda: t10.IBuilderConfig,
                lambda: h.context.execute_async_v2, lambda: t11.BuilderFlag.INT8, lambda: t11.BuilderFlag.FP16,
                lambda: t11.BuilderFlag.OBEY_PRECISION_CONSTRAINTS, lambda: h11.config.int8_calibrator):
        with pytest.raises(AttributeError):
            bad()
    with pytest.raises(AttributeError):
        h.config.not_an_api = 1


@pytest.mark.parametrize("shape", ["10.3", "11-removals"])
def test_build_is_strongly_typed_without_precision_flags(tmp_path, monkeypatch, shape):
    """Runs the network build against TensorRT 10.3's surface and against it minus what 11 removed:
    any BuilderFlag.FP16/INT8, OBEY_PRECISION_CONSTRAINTS or ILayer.precision use fails here."""
    mod, h = fake_tensorrt() if shape == "10.3" else fake_tensorrt("11.0.0", removed=REMOVED_IN_11)
    install(monkeypatch, mod)
    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    onnx_path = tmp_path / "encoder.onnx"
    onnx_path.write_bytes(b"x")
    legacy = {**BUILD, "strongly_typed": False, "int8": True, "fp16": True,  # an older manifest
              "fp32_layers": ["/ln/LayerNormalization"]}
    blob, save = trt_engine._serialize(mod, onnx_path, legacy, "Fake GPU sm87", _quiet)
    assert blob == b"engine"
    h.builder.create_network.assert_called_once_with(1 << int(mod.NetworkDefinitionCreationFlag.STRONGLY_TYPED))
    assert h.config.set_flag.call_count == 0 and h.network.get_layer.call_count == 0
    h.config.set_memory_pool_limit.assert_called_once_with(mod.MemoryPoolType.WORKSPACE, 512 << 20)


def test_one_optimization_profile_covers_every_dynamic_input(trt):
    """TensorRT rejects a profile that leaves a dynamic input unset: SAM's decoder has two (point_coords and
    point_labels), so the builder must put both into one profile."""
    mod, h, onnx_path = trt
    out = trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    assert out.read_bytes() == b"engine" and "Fake GPU" not in out.name
    assert h.config.add_optimization_profile.call_count == 1
    assert [c.args for c in h.profile.set_shape.call_args_list] == [
        ("point_coords", [1, 1, 2], [1, 3, 2], [1, 18, 2]), ("point_labels", [1, 1], [1, 3], [1, 18])]


def test_a_rejected_profile_or_parse_failure_is_a_clear_error(trt):
    mod, h, onnx_path = trt
    h.config.add_optimization_profile.return_value = -1
    with pytest.raises(EngineUnavailable, match="optimization profile"):
        trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    h.parser.parse_from_file.return_value = False
    h.parser.num_errors = 1
    h.parser.get_error.return_value = "Unsupported op Foo"
    with pytest.raises(EngineUnavailable, match="cannot parse decoder.onnx: Unsupported op Foo"):
        trt_engine.build_engine(onnx_path, BUILD, log=_quiet)


def test_engine_cache_key_includes_the_build_settings(trt):
    mod, h, onnx_path = trt
    key = dict(trt_version="10.3.0", gpu="Orin sm87")
    base = trt_engine.engine_path(onnx_path, BUILD, **key)
    reordered = dict(reversed(list(BUILD.items())))
    assert trt_engine.engine_path(onnx_path, reordered, **key) == base  # key order does not matter
    wider = {**BUILD, "profiles": {**PROFILES, "point_labels": {**PROFILES["point_labels"], "max": [1, 32]}}}
    others = [trt_engine.engine_path(onnx_path, {}, **key),  # a session opened without the manifest's options
              trt_engine.engine_path(onnx_path, wider, **key),  # changed profile ranges
              trt_engine.engine_path(onnx_path, {**BUILD, "workspace_mib": 1024}, **key),
              trt_engine.engine_path(onnx_path, BUILD, trt_version="10.7.0", gpu="Orin sm87"),
              trt_engine.engine_path(onnx_path, BUILD, trt_version="10.3.0", gpu="RTX 4090 sm89")]
    onnx_path.write_bytes(b"another graph")
    others.append(trt_engine.engine_path(onnx_path, BUILD, **key))
    assert len({base, *others}) == 1 + len(others)
    # and the builder really keys its engines that way: no build settings, no reuse
    first = trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    assert trt_engine.build_engine(onnx_path, {}, log=_quiet) != first
    assert h.builder.build_serialized_network.call_count == 2
    assert trt_engine.build_engine(onnx_path, BUILD, log=_quiet) == first  # cached
    assert h.builder.build_serialized_network.call_count == 2


def test_timing_cache_per_tensorrt_version_and_gpu_written_after_a_successful_build(trt):
    mod, h, onnx_path = trt
    path = trt_cache.timing_cache_path("10.3.0", "Fake GPU sm87")
    assert path != trt_cache.timing_cache_path("10.7.0", "Fake GPU sm87")
    assert path != trt_cache.timing_cache_path("10.3.0", "Orin sm87")
    h.builder.build_serialized_network.return_value = None
    with pytest.raises(EngineUnavailable, match="failed to build"):
        trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    assert not path.exists() and not list(path.parent.glob("*.engine"))  # nothing written after a failed build
    h.builder.build_serialized_network.return_value = b"engine"
    trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    assert path.read_bytes() == b"timings"
    h.config.set_timing_cache.assert_called_with(h.timing, ignore_mismatch=False)


def test_timing_cache_loaded_from_disk_merged_and_a_bad_one_skipped(trt):
    mod, h, onnx_path = trt
    path = trt_cache.timing_cache_path(mod.__version__, "Fake GPU sm87")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"old timings")
    trt_engine.build_engine(onnx_path, BUILD, log=_quiet)
    assert h.config.create_timing_cache.call_args_list[0].args == (b"old timings",)
    h.timing.combine.assert_called_once_with(h.timing, ignore_mismatch=True)  # merged with what is on disk
    # a corrupt file: TensorRT raises on it; the build goes on with an empty cache and a warning
    logs = []
    h.config.create_timing_cache.side_effect = lambda blob: (_ for _ in ()).throw(RuntimeError("bad")) if blob else h.timing
    trt_engine.build_engine(onnx_path, {**BUILD, "workspace_mib": 256}, log=logs.append)
    assert any("ignoring the timing cache" in m for m in logs)
    # a cache TensorRT rejects (set_timing_cache returns False): retried empty
    h.config.create_timing_cache.side_effect = None
    h.config.set_timing_cache.side_effect = [False, True]
    logs.clear()
    trt_engine.build_engine(onnx_path, {**BUILD, "workspace_mib": 128}, log=logs.append)
    assert any("rejected the timing cache" in m for m in logs)
    assert h.config.set_timing_cache.call_args_list[-1].args == (h.timing,)


def test_a_build_waits_for_a_concurrent_one_and_reuses_its_engine(trt):
    """The engine file lock: a second process that finds the build in progress waits, then reuses it."""
    mod, h, onnx_path = trt
    out = trt_engine.engine_path(onnx_path, BUILD, trt_version=mod.__version__, gpu=trt_engine.gpu_name())
    holding, release = threading.Event(), threading.Event()

    def other_process():
        with trt_cache.file_lock(out):
            holding.set()
            release.wait(5)
            out.write_bytes(b"built elsewhere")

    t = threading.Thread(target=other_process)
    t.start()
    holding.wait(5)
    result = {}
    b = threading.Thread(target=lambda: result.setdefault("path", trt_engine.build_engine(onnx_path, BUILD, log=_quiet)))
    b.start()
    time.sleep(0.2)
    assert "path" not in result  # blocked on the lock
    release.set()
    t.join(5)
    b.join(5)
    assert result["path"] == out and out.read_bytes() == b"built elsewhere"
    assert h.builder.build_serialized_network.call_count == 0
