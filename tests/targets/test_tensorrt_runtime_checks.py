"""TensorRT on CPU with strict stand-ins (trt_standin.py): the supported-version refusal, the GPU
check behind the engine probe and the export's parity-engine choice, and the session's checks of
what TensorRT returns (a None engine, a refused input shape, points beyond the profile)."""
import numpy as np
import pytest

from edgevfm.targets import TARGETS
from edgevfm_runtime.engines import get_engine
from edgevfm_runtime.engines import tensorrt as trt_engine
from edgevfm_runtime.engines.trt_support import SUPPORTED_TEXT, unsupported_version
from edgevfm_runtime.errors import EngineUnavailable, InputError

from trt_standin import describe_io, fake_cudart, fake_tensorrt, install

SAM_IO = {"point_coords": ((1, -1, 2), (1, 1, 2), (1, 18, 2)), "point_labels": ((1, -1), (1, 1), (1, 18))}


@pytest.mark.parametrize("version", ["10.0.1", "10.3.0", "10.3.0.30", "10.16.0"])
def test_supported_versions(version):
    assert unsupported_version(version) is None


@pytest.mark.parametrize("version, hint", [("8.6.2", "JetPack 6.1"), ("9.3.0", "JetPack 6.1"),
                                           ("11.0.0", "tensorrt>=10,<11"), ("banana", "10.x")])
def test_unsupported_versions_are_refused_naming_what_is_supported(version, hint, tmp_path, monkeypatch):
    reason = unsupported_version(version)
    assert reason and SUPPORTED_TEXT in reason and hint in reason
    mod, _ = fake_tensorrt(version)
    install(monkeypatch, mod, fake_cudart())
    assert get_engine("tensorrt").unavailable_reason() == reason
    with pytest.raises(EngineUnavailable, match="10.x"):
        get_engine("tensorrt").session(tmp_path / "x.onnx")
    with pytest.raises(EngineUnavailable, match="not supported"):
        trt_engine.build_engine(tmp_path / "x.onnx", {})


def test_target_records_the_supported_range():
    assert TARGETS.get("tensorrt").engine_version() == ">=10.0,<11"


@pytest.mark.parametrize("devices, error, usable", [(1, 0, True), (0, 0, False), (0, 100, False)])
def test_probe_needs_a_cuda_device_and_parity_falls_back_to_onnxruntime(monkeypatch, devices, error, usable):
    """A CPU machine that merely has the TensorRT wheel: the probe says why, and export parity runs
    the same ONNX graph in ONNX Runtime instead of aborting in TensorRT."""
    mod, _ = fake_tensorrt()
    install(monkeypatch, mod, fake_cudart(devices=devices, error=error))
    reason = get_engine("tensorrt").unavailable_reason()
    assert (reason is None) == usable
    if not usable:
        assert "GPU" in reason
    assert TARGETS.get("tensorrt").parity_engine() == ("tensorrt" if usable else "onnxruntime")


def test_probe_without_cuda_python_names_the_pin(monkeypatch):
    import sys

    mod, _ = fake_tensorrt()
    install(monkeypatch, mod)
    monkeypatch.setitem(sys.modules, "cuda.bindings.runtime", None)  # import fails
    reason = get_engine("tensorrt").unavailable_reason()
    assert "cuda-python>=12.6.1,<13" in reason
    assert TARGETS.get("tensorrt").parity_engine() == "onnxruntime"


@pytest.fixture
def session(tmp_path, monkeypatch):
    mod, h = fake_tensorrt()
    install(monkeypatch, mod, fake_cudart())
    monkeypatch.setenv("EDGEVFM_TRT_CACHE", str(tmp_path / "cache"))
    describe_io(mod, h.engine, SAM_IO, {"iou_predictions": (1, 4)})
    path = tmp_path / "decoder.onnx"
    path.write_bytes(b"x")
    return lambda: trt_engine.TrtSession(path, build={"profiles": {}}), h


def _points(n):
    return {"point_coords": np.zeros((1, n, 2), np.float32), "point_labels": np.zeros((1, n), np.float32)}


def test_session_runs_within_the_profile(session):
    open_session, h = session
    s = open_session()
    assert s.input_names == ["point_coords", "point_labels"] and s.output_names == ["iou_predictions"]
    out = s.run(_points(17))  # 16 user points + the runtime's padding point
    assert out["iou_predictions"].shape == (1, 4)
    assert [c.args[1] for c in h.context.set_input_shape.call_args_list] == [(1, 17, 2), (1, 17)]
    assert "Fake GPU sm87" in s.engine


def test_points_beyond_the_profile_are_refused_naming_the_limit(session):
    open_session, h = session
    with pytest.raises(InputError, match=r"point_coords.*\(1, 19, 2\).*max \(1, 18, 2\)"):
        open_session().run(_points(19))
    assert h.context.set_input_shape.call_count == 0


def test_a_shape_tensorrt_refuses_is_an_input_error(session):
    open_session, h = session
    h.context.set_input_shape.return_value = False
    with pytest.raises(InputError, match="TensorRT refused shape"):
        open_session().run(_points(3))


def test_an_engine_tensorrt_cannot_load_is_a_clear_error(session):
    open_session, h = session
    h.runtime.deserialize_cuda_engine.return_value = None
    with pytest.raises(EngineUnavailable, match="could not load the cached engine .*delete it"):
        open_session()


def test_missing_inputs_are_named(session):
    open_session, _ = session
    with pytest.raises(InputError, match="point_labels"):
        open_session().run({"point_coords": np.zeros((1, 2, 2), np.float32)})
