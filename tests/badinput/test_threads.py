"""One SamPredictor shared by 8 threads, each on its own photo (all of different sizes, so an answer
for another image shows in the shape): both API forms return exactly the serial results. And the
stateful form's edges: a failed set_image leaves no image, predict needs this thread's image."""
import dataclasses
import threading

import numpy as np
import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import InputError
from edgevfm_runtime.sam.prompt_set import prompt_set

PHOTOS = ["chelsea", "coffee", "rocket", "coins", "page", "text", "clock", "colorwheel"]
N = len(PHOTOS)


@pytest.fixture(scope="module")
def photos():
    data = pytest.importorskip("skimage.data")
    imgs = [rt.load_rgb(getattr(data, name)()) for name in PHOTOS]
    assert len({im.shape for im in imgs}) == N
    return imgs


@pytest.fixture(scope="module")
def predictor(sam_bundle):
    return rt.SamPredictor(rt.open(sam_bundle))


def _prompts(img):
    return [{k: v for k, v in p.items() if v is not None} for p in prompt_set(*img.shape[:2]).values()]


@pytest.fixture(scope="module")
def serial(predictor, photos):
    out = []
    for img in photos:
        emb = predictor.embed(img)
        out.append([predictor.predict(emb, **p) for p in _prompts(img)])
    return out


def _in_threads(fn, n=N):
    """fn(i, barrier) in n threads started together; returns their results, re-raises the first error."""
    barrier, results, errors = threading.Barrier(n, timeout=600), [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = fn(i, barrier)
        except BaseException as exc:  # noqa: BLE001 -- reported in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def _assert_same(got, want):
    for call_got, call_want in zip(got, want, strict=True):
        for a, b in zip(call_got, call_want, strict=True):  # masks, scores, low-res logits
            assert a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def test_stateful_form_in_8_threads(predictor, photos, serial):
    def work(i, barrier):
        predictor.set_image(photos[i])
        barrier.wait()  # every thread has set its image before any predicts
        outs = [predictor.predict(**p) for _ in range(2) for p in _prompts(photos[i])]
        assert predictor.original_size == photos[i].shape[:2]
        return outs

    for i, outs in enumerate(_in_threads(work)):
        _assert_same(outs, serial[i] * 2)


def test_state_free_form_in_8_threads(predictor, photos, serial):
    def work(i, barrier):
        emb = predictor.embed(photos[i])
        barrier.wait()
        return emb, [predictor.predict(emb, **p) for _ in range(2) for p in _prompts(photos[i])]

    for i, (emb, outs) in enumerate(_in_threads(work)):
        assert emb.original_size == photos[i].shape[:2]
        _assert_same(outs, serial[i] * 2)


def _in_a_new_thread(fn):
    return _in_threads(lambda i, barrier: fn(), n=1)[0]


def test_failed_set_image_leaves_no_image(predictor, photos):
    def work():
        predictor.set_image(photos[0])
        assert predictor.predict(points=[[10, 10]], labels=[1])[0].shape[1:] == photos[0].shape[:2]
        for bad, message in [(photos[0].astype(np.float32), "dtype float32"),
                             (np.zeros((1, 5000, 3), np.uint8), "too thin for SAM")]:
            with pytest.raises(InputError, match=message):
                predictor.set_image(bad)
            assert not predictor.is_image_set and predictor.features is None
            with pytest.raises(InputError, match=r"no image: call set_image\(image\) in this thread"):
                predictor.predict(points=[[10, 10]], labels=[1])

    _in_a_new_thread(work)


def test_predict_needs_this_threads_image(predictor, photos):
    def set_one():
        predictor.set_image(photos[1])
        return predictor.image_embedding

    emb = _in_a_new_thread(set_one)  # another thread's image …
    assert emb.original_size == photos[1].shape[:2]

    def predict_without():
        assert predictor.image_embedding is None
        with pytest.raises(InputError, match="before predict"):
            predictor.predict(points=[[10, 10]], labels=[1])
        predictor.reset_image()  # harmless without an image
        return predictor.predict(emb, box=[0, 0, 20, 20])  # … is usable when passed explicitly

    masks, _, _ = _in_a_new_thread(predict_without)
    assert masks.shape[1:] == photos[1].shape[:2]


def test_embedding_is_immutable(predictor, photos):
    emb = predictor.image_embedding or _in_a_new_thread(lambda: predictor.embed(photos[2]))
    assert not emb.features.flags.writeable
    with pytest.raises(ValueError):
        emb.features[0, 0, 0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        emb.original_size = (1, 1)
    mine = np.zeros((1, 256, 64, 64), np.float32)
    own = rt.ImageEmbedding(features=mine, original_size=(10, 20), input_size=(512, 1024))
    mine[:] = 5  # the caller's array changes; the embedding's copy does not
    assert own.features.max() == 0 and not own.features.flags.writeable and own.original_size == (10, 20)
