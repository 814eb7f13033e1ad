"""ctypes bindings of the C ABI (cpp/include/edgevfm/edgevfm_c.h), as a Python or Swift app would use it."""
from __future__ import annotations

import ctypes as C
from pathlib import Path

import numpy as np

F32P = np.ctypeslib.ndpointer(np.float32, flags="C_CONTIGUOUS")


class CppError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(f"status {status}: {message}")
        self.status = status


def load(path: Path):
    lib = C.CDLL(str(path))
    vp, vpp = C.c_void_p, C.POINTER(C.c_void_p)
    lib.edgevfm_last_error.restype = C.c_char_p
    lib.edgevfm_bundle_open.argtypes = [C.c_char_p, C.c_int, vpp]
    lib.edgevfm_bundle_free.argtypes = [vp]
    lib.edgevfm_bundle_open_signed.argtypes = [C.c_char_p, C.c_int, C.POINTER(C.c_char_p), C.c_int, vpp]
    lib.edgevfm_bundle_signed_by.argtypes = [vp]
    lib.edgevfm_bundle_signed_by.restype = C.c_char_p
    lib.edgevfm_bundle_family.argtypes = [vp]
    lib.edgevfm_bundle_family.restype = C.c_char_p
    lib.edgevfm_check.argtypes = [vp, C.c_char_p, C.POINTER(C.c_int), C.POINTER(C.c_void_p)]
    lib.edgevfm_string_free.argtypes = [vp]
    lib.edgevfm_sam_new.argtypes = [vp, C.c_char_p, vpp]
    lib.edgevfm_sam_free.argtypes = [vp]
    lib.edgevfm_sam_embed.argtypes = [vp, vp, C.c_int, C.c_int, C.c_ssize_t, vpp]
    lib.edgevfm_embedding_free.argtypes = [vp]
    lib.edgevfm_sam_predict.argtypes = [vp, vp, vp, vp, C.c_int, vp, vp, C.c_int, vp, vp, vp, C.POINTER(C.c_int)]
    lib.edgevfm_sam_predict_batch.argtypes = [vp, vp, C.c_int, vp, vp, C.c_int, vp, vp, C.c_int, vp, vp, vp,
                                              C.POINTER(C.c_int)]
    lib.edgevfm_sam_max_batch.argtypes = [vp]
    lib.edgevfm_embedder_new.argtypes = [vp, C.c_char_p, vpp]
    lib.edgevfm_embedder_free.argtypes = [vp]
    lib.edgevfm_embed_image.argtypes = [vp, vp, C.c_int, C.c_int, C.c_ssize_t, C.c_int, vp, C.c_size_t,
                                        C.POINTER(C.c_size_t)]
    return lib


def check(lib, status: int) -> None:
    if status != 0:
        raise CppError(status, lib.edgevfm_last_error().decode())


def _ptr(a: np.ndarray | None):
    return None if a is None else a.ctypes.data_as(C.c_void_p)


class Bundle:
    def __init__(self, lib, path, verify: bool = True, trusted_keys=None):
        self.lib, self.h = lib, C.c_void_p()
        if trusted_keys is None:
            check(lib, lib.edgevfm_bundle_open(str(path).encode(), int(verify), C.byref(self.h)))
        else:
            keys = (C.c_char_p * max(len(trusted_keys), 1))(*[str(k).encode() for k in trusted_keys])
            check(lib, lib.edgevfm_bundle_open_signed(str(path).encode(), int(verify), keys, len(trusted_keys),
                                                      C.byref(self.h)))

    @property
    def signed_by(self) -> str:
        return self.lib.edgevfm_bundle_signed_by(self.h).decode()

    def __del__(self):
        if getattr(self, "h", None):
            self.lib.edgevfm_bundle_free(self.h)

    def check(self, engine: str | None = None) -> tuple[bool, str]:
        passed, report = C.c_int(), C.c_void_p()
        check(self.lib, self.lib.edgevfm_check(self.h, engine.encode() if engine else None, C.byref(passed),
                                               C.byref(report)))
        text = C.string_at(report.value).decode()
        self.lib.edgevfm_string_free(report)
        return bool(passed.value), text


class Sam:
    def __init__(self, bundle: Bundle):
        self.lib, self.bundle, self.h = bundle.lib, bundle, C.c_void_p()
        check(self.lib, self.lib.edgevfm_sam_new(bundle.h, None, C.byref(self.h)))

    def __del__(self):
        if getattr(self, "h", None):
            self.lib.edgevfm_sam_free(self.h)

    def embed(self, rgb: np.ndarray) -> "Embedding":
        rgb = np.asarray(rgb, np.uint8)
        e = C.c_void_p()
        check(self.lib, self.lib.edgevfm_sam_embed(self.h, _ptr(rgb), rgb.shape[1], rgb.shape[0], rgb.strides[0],
                                                   C.byref(e)))
        return Embedding(self.lib, e, rgb.shape[:2])

    def predict(self, emb: "Embedding", points=None, labels=None, box=None, mask_input=None, multimask=True):
        h, w = emb.size
        count = 3 if multimask else 1
        pts = None if points is None else np.ascontiguousarray(points, np.float32).reshape(-1, 2)
        lab = None if labels is None else np.ascontiguousarray(labels, np.int32).reshape(-1)
        bx = None if box is None else np.ascontiguousarray(box, np.float32).reshape(4)
        mi = None if mask_input is None else np.ascontiguousarray(mask_input, np.float32).reshape(256, 256)
        logits = np.empty((count, h, w), np.float32)
        scores = np.empty(count, np.float32)
        low = np.empty((count, 256, 256), np.float32)
        n = C.c_int()
        check(self.lib, self.lib.edgevfm_sam_predict(self.h, emb.h, _ptr(pts), _ptr(lab), 0 if pts is None else len(pts),
                                                     _ptr(bx), _ptr(mi), int(multimask), _ptr(logits), _ptr(scores),
                                                     _ptr(low), C.byref(n)))
        assert n.value == count
        return logits > 0, scores, low

    def predict_batch(self, emb: "Embedding", points=None, labels=None, box=None, mask_input=None, multimask=True):
        """points (K, N, 2) with labels (K, N) and/or box (K, 4): masks (K, C, H, W), scores (K, C), low (K, C, 256, 256)."""
        h, w = emb.size
        count = 3 if multimask else 1
        pts = None if points is None else np.ascontiguousarray(points, np.float32)
        lab = None if labels is None else np.ascontiguousarray(labels, np.int32)
        bx = None if box is None else np.ascontiguousarray(box, np.float32).reshape(-1, 4)
        k = len(pts) if pts is not None else len(bx)
        n_points = 0 if pts is None else pts.shape[1]
        mi = None if mask_input is None else np.ascontiguousarray(mask_input, np.float32).reshape(k, 256, 256)
        logits = np.empty((k, count, h, w), np.float32)
        scores = np.empty((k, count), np.float32)
        low = np.empty((k, count, 256, 256), np.float32)
        n = C.c_int()
        check(self.lib, self.lib.edgevfm_sam_predict_batch(self.h, emb.h, k, _ptr(pts), _ptr(lab), n_points, _ptr(bx),
                                                           _ptr(mi), int(multimask), _ptr(logits), _ptr(scores),
                                                           _ptr(low), C.byref(n)))
        assert n.value == count
        return logits > 0, scores, low

    @property
    def max_batch(self) -> int:
        return self.lib.edgevfm_sam_max_batch(self.h)


class Embedding:
    def __init__(self, lib, h, size):
        self.lib, self.h, self.size = lib, h, size

    def __del__(self):
        if getattr(self, "h", None):
            self.lib.edgevfm_embedding_free(self.h)


class Embedder:
    def __init__(self, bundle: Bundle):
        self.lib, self.bundle, self.h = bundle.lib, bundle, C.c_void_p()
        check(self.lib, self.lib.edgevfm_embedder_new(bundle.h, None, C.byref(self.h)))

    def __del__(self):
        if getattr(self, "h", None):
            self.lib.edgevfm_embedder_free(self.h)

    def __call__(self, rgb: np.ndarray, normalize: bool = False) -> np.ndarray:
        rgb = np.asarray(rgb, np.uint8)
        out, n = np.empty(4096, np.float32), C.c_size_t()
        check(self.lib, self.lib.edgevfm_embed_image(self.h, _ptr(rgb), rgb.shape[1], rgb.shape[0], rgb.strides[0],
                                                     int(normalize), _ptr(out), out.size, C.byref(n)))
        return out[: n.value].copy()
