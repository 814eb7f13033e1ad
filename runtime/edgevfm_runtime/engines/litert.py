"""LiteRT (TFLite) engine: ai-edge-litert's Interpreter with its default XNNPACK delegate.

IO is bound by the signature's names (the manifest's). Full-integer models have int8/uint8 IO:
float feeds are quantized with the input tensor's scale and zero point, integer outputs
dequantized with the output's, so callers always see the manifest's float32 contract."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import InputError
from .base import Engine, Session, module_probe, register_engine


_probe = module_probe("ai_edge_litert.interpreter", "ai-edge-litert")


def _quantize(x: np.ndarray, detail: dict) -> np.ndarray:
    dtype = detail["dtype"]
    if not np.issubdtype(dtype, np.integer) or np.issubdtype(np.asarray(x).dtype, np.integer):
        return np.ascontiguousarray(x, dtype=dtype)
    scale, zero = detail["quantization"]
    if not scale:  # an integer input that is not quantized (e.g. token ids)
        return np.ascontiguousarray(x, dtype=dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(np.asarray(x, np.float32) / scale + zero), info.min, info.max).astype(dtype)


def _dequantize(y: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero = detail["quantization"]
    if np.issubdtype(y.dtype, np.integer) and scale:
        return ((y.astype(np.float32) - zero) * scale).astype(np.float32)
    return y


class LiteRtSession(Session):
    def __init__(self, path: Path | bytes, *, threads: int | None = None, signature: str | None = None):
        from ai_edge_litert import __version__ as version
        from ai_edge_litert.interpreter import Interpreter

        # XNNPACK is the interpreter's default delegate; threads apply to it.
        source = {"model_content": path} if isinstance(path, bytes) else {"model_path": str(path)}
        self._it = Interpreter(**source, num_threads=int(threads) if threads else None)
        sigs = self._it.get_signature_list()
        keys = [signature] if signature else list(sigs)
        # One signature per fixed input size (e.g. SAM's points_N); run() picks the one that fits the feed.
        self._runners = {k: self._it.get_signature_runner(k) for k in keys}
        self._in = {k: r.get_input_details() for k, r in self._runners.items()}
        self._out = {k: r.get_output_details() for k, r in self._runners.items()}
        self.input_names = list(sigs[keys[0]]["inputs"])
        self.output_names = list(sigs[keys[0]]["outputs"])
        first = (*self._in[keys[0]].values(), *self._out[keys[0]].values())
        kinds = "/".join(sorted({str(np.dtype(d["dtype"])) for d in first}))
        self._lock = threading.Lock()  # an Interpreter is not thread-safe: one invoke at a time
        self.engine = f"litert {version} (XNNPACK, {threads or 'default'} threads, IO {kinds})"

    def _pick(self, feed: Mapping[str, np.ndarray]) -> str:
        for key, details in self._in.items():
            if all(tuple(details[n]["shape"]) == np.shape(feed[n]) for n in self.input_names):
                return key
        if len(self._in) == 1:
            return next(iter(self._in))  # let the runner resize (single signature)
        shapes = {k: {n: tuple(int(x) for x in d[n]["shape"]) for n in self.input_names} for k, d in self._in.items()}
        raise InputError(f"no signature of this LiteRT model takes these input shapes "
                         f"{ {n: np.shape(feed[n]) for n in self.input_names} }; it has {shapes}")

    def signature_shapes(self) -> list[dict[str, tuple[int, ...]]]:
        """The input shapes of each signature (a caller with batches picks or pads to one of them)."""
        return [{n: tuple(int(x) for x in d[n]["shape"]) for n in self.input_names} for d in self._in.values()]

    def _batch1(self, feed: Mapping[str, np.ndarray]) -> int:
        """B when every input's leading dim is 1 in the model and B > 1 in the feed, else 0."""
        details = next(iter(self._in.values()))
        sizes = {np.shape(feed[n])[0] if np.ndim(feed[n]) else 1 for n in self.input_names}
        ones = all(len(details[n]["shape"]) and details[n]["shape"][0] == 1 for n in self.input_names)
        if not ones or len(sizes) != 1:
            return 0
        b = sizes.pop()
        return b if b > 1 else 0

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        batch = self._batch1(feed)
        if batch:  # LiteRT models are converted at batch 1 (static shapes): larger batches run item by item
            parts = [self.run({k: np.asarray(v)[i:i + 1] for k, v in feed.items() if k in self.input_names})
                     for i in range(batch)]
            return {k: np.concatenate([p[k] for p in parts]) for k in self.output_names}
        key = self._pick(feed)
        ins, outs = self._in[key], self._out[key]
        args = {k: _quantize(feed[k], ins[k]) for k in self.input_names}
        with self._lock:
            out = self._runners[key](**args)
            out = {k: np.array(out[k]) for k in self.output_names}  # own copies before the next invoke
        return {k: _dequantize(out[k], outs[k]) for k in self.output_names}


register_engine(
    Engine(
        name="litert",
        aliases=("tflite",),
        pip="pip install 'edgevfm-runtime[tflite]'",
        probe=_probe,
        open=lambda path, **kw: LiteRtSession(path, **kw),
        open_bytes=lambda model, **kw: None if model.extra or model.data is None else LiteRtSession(model.data, **kw),
    )
)
