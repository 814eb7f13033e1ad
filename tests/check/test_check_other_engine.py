"""A jetson-* bundle on a host without TensorRT: `check` names the engine that can read the same
files, and `--engine onnxruntime` checks the exact Q/DQ graph TensorRT would consume."""
import pytest

from edgevfm.cli.main import main
from edgevfm_runtime.engines import get_engine


@pytest.fixture(scope="module")
def jetson_bundle(tmp_path_factory):
    from edgevfm.export.pipeline import export

    return export("dinov2", target="jetson-int8", weights="random:0", output=tmp_path_factory.mktemp("j") / "b",
                  overrides=["input_size=[28, 28]"], emit=lambda s: None).path


@pytest.mark.skipif(get_engine("tensorrt").unavailable_reason() is None, reason="TensorRT runs here: it runs as is")
def test_missing_tensorrt_names_the_alternative(jetson_bundle, capsys):
    assert main(["check", str(jetson_bundle)]) == 2
    err = capsys.readouterr().err
    assert "engine 'tensorrt' is unavailable" in err and "--engine onnxruntime" in err


def test_check_in_onnxruntime(jetson_bundle, tmp_path):
    import json

    out = tmp_path / "r.json"
    assert main(["check", str(jetson_bundle), "--engine", "onnxruntime", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["passed"] and "onnxruntime" in report["engine"]
