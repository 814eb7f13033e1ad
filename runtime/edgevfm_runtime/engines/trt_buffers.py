"""Device and pinned host buffers of a TensorRT session, allocated once per tensor at the largest size
its optimization profile allows and reused by every call: no cudaMalloc/cudaFree per inference, and
host<->device copies from page-locked memory (asynchronous, DMA, no staging copy by the driver).

The CUDA calls go through an allocator object so that the planning and reuse logic can be tested on a
machine without a GPU (``tests/runtime/test_trt_buffers.py`` uses a host-memory fake)."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import InputError


class CudaAllocator:
    """cudaMalloc / cudaMallocHost through cuda-python's runtime bindings."""

    def __init__(self, cudart, ok):
        self._cudart, self._ok = cudart, ok

    def device(self, nbytes: int) -> int:
        return int(self._ok(self._cudart.cudaMalloc(nbytes)))

    def pinned(self, nbytes: int) -> int:
        return int(self._ok(self._cudart.cudaMallocHost(nbytes)))

    def free_device(self, ptr: int) -> None:
        self._cudart.cudaFree(ptr)

    def free_pinned(self, ptr: int) -> None:
        self._cudart.cudaFreeHost(ptr)


@dataclass
class Slot:
    """One IO tensor's buffers: ``device`` and ``host`` (pinned) addresses of ``nbytes`` each."""
    name: str
    dtype: np.dtype
    max_shape: tuple[int, ...]
    nbytes: int
    device: int
    host: int

    def host_array(self, shape: tuple[int, ...]) -> np.ndarray:
        """A ``shape`` array of this slot's dtype over the start of its pinned buffer (no copy)."""
        shape = tuple(int(d) for d in shape)
        if len(shape) != len(self.max_shape) or any(s > m for s, m in zip(shape, self.max_shape)):
            raise InputError(f"tensor {self.name!r} shape {shape} exceeds the buffer planned for "
                             f"{self.max_shape} (the engine's optimization profile maximum)")
        count = int(np.prod(shape, dtype=np.int64))
        raw = (ctypes.c_byte * max(count * self.dtype.itemsize, 1)).from_address(self.host)
        return np.frombuffer(raw, dtype=self.dtype, count=count).reshape(shape)


class BufferPlan:
    """Buffers for every IO tensor, sized by ``max_shapes`` (name -> (dtype, largest shape))."""

    def __init__(self, max_shapes: Mapping[str, tuple[np.dtype, tuple[int, ...]]], alloc):
        self._alloc, self.slots = alloc, {}
        try:
            for name, (dtype, shape) in max_shapes.items():
                dtype, shape = np.dtype(dtype), tuple(int(d) for d in shape)
                if any(d < 0 for d in shape):
                    raise ValueError(f"tensor {name!r} has no finite maximum shape ({shape})")
                nbytes = max(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, 1)
                device = alloc.device(nbytes)
                try:
                    host = alloc.pinned(nbytes)
                except BaseException:
                    alloc.free_device(device)
                    raise
                self.slots[name] = Slot(name, dtype, shape, nbytes, device, host)
        except BaseException:
            self.close()
            raise

    @property
    def total_bytes(self) -> int:
        return sum(s.nbytes for s in self.slots.values())

    def close(self) -> None:
        """Free every buffer once; later calls do nothing."""
        slots, self.slots = self.slots, {}
        for s in slots.values():
            self._alloc.free_device(s.device)
            self._alloc.free_pinned(s.host)
