"""One opened bundle shared by 8 threads on the engines whose sessions keep per-call state (OpenVINO
infer requests, LiteRT interpreters): a small DINOv2 (28x28), each thread on its own image, every result
exactly the serial one. ImageEmbedder and DenseFeatures hold no per-image state of their own."""
import importlib.util
import threading

import numpy as np
import pytest

import edgevfm_runtime as rt

ENGINES = {"x86-fp32": "openvino", "android-fp32": "ai_edge_litert"}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def bundle(request, tmp_path_factory):
    if importlib.util.find_spec(ENGINES[request.param]) is None:
        pytest.skip(f"{ENGINES[request.param]} is not installed")
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("threads") / request.param
    export("dinov2", target=request.param, weights="random:0", output=out,
           overrides=["input_size=[28, 28]"], emit=lambda s: None)
    return rt.open(out)


def test_embedders_shared_by_8_threads(bundle):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (20 + 7 * i, 30 + 5 * i, 3), dtype=np.uint8) for i in range(8)]
    embedder, dense = rt.ImageEmbedder(bundle), rt.DenseFeatures(bundle)
    want = [(embedder(img), dense(img)) for img in images]
    assert not np.allclose(want[0][0], want[1][0])  # the images are told apart
    barrier, got, errors = threading.Barrier(8, timeout=300), [None] * 8, []

    def work(i):
        try:
            barrier.wait()
            got[i] = [(embedder(images[i]), dense(images[i])) for _ in range(5)]
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    for i in range(8):
        for cls, patches in got[i]:
            np.testing.assert_array_equal(cls, want[i][0])
            np.testing.assert_array_equal(patches, want[i][1])
