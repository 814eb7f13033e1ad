"""Session.profile: each engine's own per-op profiler through its public API; engines without one say so."""
import pytest

from edgevfm_runtime.errors import ProfilingUnavailable


def _feed(bundle):
    from edgevfm_runtime import golden as G
    from edgevfm_runtime.replay import component_feed

    case = next(iter(G.parse(bundle.golden)["encoder"].values()))
    return component_feed(bundle, "encoder", case)


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_engine_profile_sums_time_per_op(small_dino, engine):
    from edgevfm_runtime import open as open_bundle

    b = open_bundle(small_dino)
    sess = b.session("encoder", engine=engine, threads=1)
    per_op = sess.profile(_feed(b))
    assert per_op and all(isinstance(k, str) and v >= 0 for k, v in per_op.items())
    assert sum(per_op.values()) > 0
    assert any(k.startswith(("MatMul", "FullyConnected", "Gemm", "FusedMatMul")) for k in per_op)


def test_an_engine_without_a_profiler_raises_a_typed_error(small_dino):
    from edgevfm_runtime.bench.profile import profile_source
    from edgevfm_runtime.engines.base import Session

    class NoProfiler(Session):
        engine = "test engine"
        input_names, output_names = ["x"], ["y"]

    with pytest.raises(ProfilingUnavailable, match="test engine"):
        NoProfiler().profile({})

    class Source:  # a bundle-like source whose sessions have no profiler
        def __init__(self, bundle):
            self.bundle = bundle
            self.golden, self.manifest, self.components = bundle.golden, bundle.manifest, bundle.components
            self.preprocess = bundle.preprocess

        def session(self, name, **kw):
            s = NoProfiler()
            s.input_names = self.bundle.session(name).input_names
            return s

    from edgevfm_runtime import open as open_bundle

    out = profile_source(Source(open_bundle(small_dino)))
    assert "ProfilingUnavailable" in out["encoder"]["error"]
