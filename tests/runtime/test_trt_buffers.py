"""TensorRT session buffers, on a fake CUDA/TensorRT backend (no GPU here; not verified on hardware):
device and pinned host buffers are allocated once per IO tensor at the profile maximum, bound once,
reused by calls of any in-profile shape, results are copies, and everything is freed exactly once."""
import ctypes
import threading

import numpy as np
import pytest

from edgevfm_runtime.engines.tensorrt import TrtSession
from edgevfm_runtime.engines.trt_buffers import BufferPlan
from edgevfm_runtime.errors import InputError


class FakeAlloc:
    """Device and pinned memory are both host numpy buffers here; addresses are real."""

    def __init__(self):
        self.live, self.calls, self.freed = {}, [], []

    def _new(self, kind, nbytes):
        buf = np.zeros(nbytes, np.uint8)
        self.live[buf.ctypes.data] = buf
        self.calls.append((kind, nbytes))
        return buf.ctypes.data

    def device(self, nbytes):
        return self._new("device", nbytes)

    def pinned(self, nbytes):
        return self._new("pinned", nbytes)

    def free_device(self, ptr):
        self.freed.append(("device", ptr))
        del self.live[ptr]

    def free_pinned(self, ptr):
        self.freed.append(("pinned", ptr))
        del self.live[ptr]


class FakeCudart:
    class cudaMemcpyKind:  # noqa: N801 - mirrors cuda-python
        cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost = 1, 2

    def __init__(self):
        self.copies = []

    def cudaMemcpyAsync(self, dst, src, n, kind, stream):  # noqa: N802
        ctypes.memmove(dst, src, n)
        self.copies.append((kind, n))
        return (0,)

    def cudaStreamSynchronize(self, stream):  # noqa: N802
        return (0,)

    def cudaStreamDestroy(self, stream):  # noqa: N802
        return (0,)


class FakeEngine:
    """x: float32 (1, points, 4) with points in 1..8 → y: float16 (1, points, 8) = [x, 2x]; s: static (2,)."""
    shapes = {"x": (1, -1, 4), "s": (2,), "y": (1, -1, 8)}
    dtypes = {"x": np.float32, "s": np.float32, "y": np.float16}

    def get_tensor_shape(self, n):
        return self.shapes[n]

    def get_tensor_dtype(self, n):
        return self.dtypes[n]


class FakeContext:
    def __init__(self):
        self.inputs, self.addr, self.bound = {}, {}, 0

    def set_input_shape(self, n, shape):
        self.inputs[n] = tuple(shape)
        return True

    def set_tensor_address(self, n, ptr):
        self.addr[n], self.bound = ptr, self.bound + 1

    def get_tensor_shape(self, n):
        return (1, self.inputs["x"][1], 8)

    def _at(self, n, dtype, shape):
        count = int(np.prod(shape))
        raw = (ctypes.c_byte * (count * np.dtype(dtype).itemsize)).from_address(self.addr[n])
        return np.frombuffer(raw, dtype, count).reshape(shape)

    def execute_async_v3(self, stream):
        x = self._at("x", np.float32, self.inputs["x"])
        s = self._at("s", np.float32, (2,))
        y = self._at("y", np.float16, self.get_tensor_shape("y"))
        y[...] = np.concatenate([x, 2 * x], -1) + s[0]
        return True


def _session(alloc):
    s = TrtSession.__new__(TrtSession)
    s._trt = type("T", (), {"nptype": staticmethod(lambda t: t)})
    s._cudart, s._engine, s._ctx = FakeCudart(), FakeEngine(), FakeContext()
    s.input_names, s.output_names = ["x", "s"], ["y"]
    s._bounds = {"x": ((1, 1, 4), (1, 8, 4))}
    s._stream, s._lock = object(), threading.Lock()
    s._plan = BufferPlan(s._max_shapes(), alloc)
    for name, slot in s._plan.slots.items():
        s._ctx.set_tensor_address(name, slot.device)
    return s


def test_buffers_planned_once_at_the_profile_maximum_and_reused():
    alloc = FakeAlloc()
    sess = _session(alloc)
    planned = list(alloc.calls)
    # x: 1*8*4 float32 = 128 B; s: 8 B; y at x's max: 1*8*8 float16 = 128 B; one device + one pinned each
    assert sorted(planned) == sorted([(k, n) for n in (128, 8, 128) for k in ("device", "pinned")])
    results = []
    for points in (3, 8, 1, 5, 8):
        x = np.random.default_rng(points).standard_normal((1, points, 4))  # float64: cast on the copy in
        out = sess.run({"x": x, "s": np.array([0.5, 0.0])})
        want = np.concatenate([x, 2 * x], -1).astype(np.float16).astype(np.float32) + np.float32(0.5)
        assert out["y"].dtype == np.float32 and out["y"].shape == (1, points, 8)
        np.testing.assert_allclose(out["y"], want, rtol=2e-3, atol=2e-3)
        results.append((out["y"], out["y"].copy()))
    assert alloc.calls == planned and not alloc.freed  # no allocation or free per call
    assert sess._ctx.bound == 3  # addresses bound once, at open
    for got, snapshot in results:  # results are copies: later calls did not overwrite them
        assert np.array_equal(got, snapshot)
    # only the bytes of the actual shape are copied, not the planned maximum
    assert sess._cudart.copies[-3:] == [(1, 1 * 8 * 4 * 4), (1, 8), (2, 1 * 8 * 8 * 2)]


def test_out_of_profile_shape_is_refused_before_any_copy():
    alloc = FakeAlloc()
    sess = _session(alloc)
    with pytest.raises(InputError, match="outside this TensorRT engine's optimization profile"):
        sess.run({"x": np.zeros((1, 9, 4), np.float32), "s": np.zeros(2, np.float32)})
    assert sess._cudart.copies == []
    with pytest.raises(InputError, match="exceeds the buffer planned"):
        sess._plan.slots["x"].host_array((1, 9, 4))


def test_close_frees_every_buffer_once():
    alloc = FakeAlloc()
    sess = _session(alloc)
    sess.close()
    sess.close()
    assert len(alloc.freed) == 6 and len(set(alloc.freed)) == 6 and not alloc.live


def test_failed_allocation_frees_what_was_allocated():
    class Fails(FakeAlloc):
        def pinned(self, nbytes):
            if len(self.calls) >= 3:
                raise MemoryError("out of pinned memory")
            return super().pinned(nbytes)

    alloc = Fails()
    with pytest.raises(MemoryError):
        BufferPlan({"a": (np.float32, (4,)), "b": (np.float32, (4,))}, alloc)
    assert not alloc.live
