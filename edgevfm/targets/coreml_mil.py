"""The numerics of a Core ML ``.mlpackage`` on hosts where Core ML cannot predict (Linux).

coremltools on Linux converts, compresses and saves, but ``MLModel.predict`` needs macOS; it has no
reference interpreter. What it does offer is the program itself: ``milproto.load`` reads the saved
package back into MIL (ops, attributes, the weights as written, INT8 weights decompressed by
coremltools' own ``constexpr`` ops). :class:`MilSession` executes that program op by op with torch:

* every op's attributes are the ones in the package (pads, strides, axes, GELU mode, epsilons, the
  INT8 weights' scales and zero points), so conversion mistakes and the weight quantization error
  show up in the numbers;
* values the program types as FP16 are rounded to FP16 after every op (FP16 storage), arithmetic
  runs in FP32 (a GPU-like accumulation; the Neural Engine may accumulate differently).

It is *not* Core ML: no Core ML kernel, compute unit or op fusion runs here. Exports record its
result as a labelled host estimate beside, never instead of, the "not verified on this host" parity.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import numpy as np
import torch
import torch.nn.functional as F

from edgevfm_runtime.engines.base import Session, batch_of_ones, run_items

ENGINE = "MIL reference (edgevfm's torch interpreter of the package's ML program; FP16 storage, FP32 math; not Core ML)"

_DTYPES = {"fp16": torch.float32, "fp32": torch.float32, "fp64": torch.float32, "int32": torch.int32,
           "int64": torch.int64, "int16": torch.int32, "int8": torch.int32, "uint8": torch.int32, "bool": torch.bool}


def load_program(path: str | Path):
    """The ``main`` function of a saved ``.mlpackage``'s ML program (MIL), weights included."""
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto.load import load as mil_load

    model = ct.models.MLModel(str(path), skip_model_load=True)
    spec = model.get_spec()
    if spec.WhichOneof("Type") != "mlProgram":
        raise ValueError(f"{path}: not an ML program ({spec.WhichOneof('Type')})")
    prog = mil_load(spec, specification_version=spec.specificationVersion, file_weights_dir=model.weights_dir)
    return prog.functions["main"]


def _is_fp16(var) -> bool:
    from coremltools.converters.mil.mil import types

    dt = var.dtype
    return dt == types.fp16 or getattr(dt, "get_primitive", lambda: None)() == types.fp16


def _tensor(value) -> torch.Tensor:
    a = np.asarray(value)
    if a.dtype == np.float16 or a.dtype == np.float64:
        a = a.astype(np.float32)
    elif a.dtype in (np.int8, np.uint8, np.int16, np.uint16, np.uint32):
        a = a.astype(np.int32)
    return torch.from_numpy(np.ascontiguousarray(a))


def _fp16(t: torch.Tensor) -> torch.Tensor:
    return t.to(torch.float16).to(torch.float32) if t.is_floating_point() else t


def _ints(v) -> list[int]:
    return [int(x) for x in np.asarray(v).reshape(-1)]


class _Op:
    """One op's inputs: tensors from the environment, constants as numpy/python values."""

    def __init__(self, op, env: dict):
        self.op, self.env = op, env

    def has(self, name: str) -> bool:
        return name in self.op.inputs and self.op.inputs[name] is not None

    def t(self, name: str) -> torch.Tensor:
        v = self.op.inputs[name]
        return self.env[v.name]

    def ts(self, name: str) -> list[torch.Tensor]:
        return [self.env[v.name] for v in self.op.inputs[name]]

    def c(self, name: str, default=None):
        """A constant input's value (attributes: axes, pads, modes …)."""
        if not self.has(name):
            return default
        v = self.op.inputs[name]
        if v.val is not None:
            return v.val
        return self.env[v.name].numpy()


def _conv_pads(o: _Op, x: torch.Tensor, weight: torch.Tensor, strides, dilations) -> list[int]:
    """[before0, after0, before1, after1, …] for the spatial dims."""
    n = x.dim() - 2
    kind = str(o.c("pad_type", "valid"))
    if kind == "custom":
        return _ints(o.c("pad", [0] * 2 * n))
    if kind == "valid":
        return [0] * 2 * n
    pads = []
    for i in range(n):
        size, k = x.shape[2 + i], (weight.shape[2 + i] - 1) * dilations[i] + 1
        total = max((math.ceil(size / strides[i]) - 1) * strides[i] + k - size, 0)
        before = total // 2 if kind == "same" else (total + 1) // 2
        pads += [before, total - before]
    return pads


def _torch_pad(pads: list[int]) -> list[int]:
    """MIL pads (first padded dim first) → F.pad order (last dim first)."""
    out = []
    for i in reversed(range(len(pads) // 2)):
        out += [pads[2 * i], pads[2 * i + 1]]
    return out


def _conv(o: _Op) -> torch.Tensor:
    x, w = o.t("x"), o.t("weight")
    n = x.dim() - 2
    strides = _ints(o.c("strides", [1] * n))
    dil = _ints(o.c("dilations", [1] * n))
    groups = int(o.c("groups", 1))
    x = F.pad(x, _torch_pad(_conv_pads(o, x, w, strides, dil)))
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[n]
    return fn(x, w, o.t("bias") if o.has("bias") else None, stride=strides, dilation=dil, groups=groups)


def _conv_transpose(o: _Op) -> torch.Tensor:
    x, w = o.t("x"), o.t("weight")
    n = x.dim() - 2
    strides = _ints(o.c("strides", [1] * n))
    dil = _ints(o.c("dilations", [1] * n))
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[n]
    y = fn(x, w, o.t("bias") if o.has("bias") else None, stride=strides, dilation=dil, groups=int(o.c("groups", 1)))
    kind = str(o.c("pad_type", "valid"))
    if kind not in ("custom", "valid"):
        raise NotImplementedError(f"conv_transpose pad_type {kind!r}")
    pads = _ints(o.c("pad", [0] * 2 * n)) if kind == "custom" else [0] * 2 * n
    index = [slice(None), slice(None)] + [slice(pads[2 * i], y.shape[2 + i] - pads[2 * i + 1]) for i in range(n)]
    y = y[tuple(index)]
    if o.has("output_shape"):
        want = _ints(o.c("output_shape"))[-n:]
        grow = [want[i] - y.shape[2 + i] for i in range(n)]
        if any(g < 0 for g in grow):
            raise NotImplementedError("conv_transpose output_shape smaller than the padded output")
        y = F.pad(y, _torch_pad([v for g in grow for v in (0, g)]))
    return y


def _layer_norm(o: _Op) -> torch.Tensor:
    x = o.t("x")
    axes = sorted(a % x.dim() for a in _ints(o.c("axes", [-1])))
    eps = float(o.c("epsilon", 1e-5))
    mean = x.mean(dim=axes, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps)
    view = [x.shape[d] if d in axes else 1 for d in range(x.dim())]
    if o.has("gamma"):
        y = y * o.t("gamma").reshape(view)
    if o.has("beta"):
        y = y + o.t("beta").reshape(view)
    return y


def _slice_by_index(o: _Op) -> torch.Tensor:
    x = o.t("x")
    r = x.dim()
    begin, end = _ints(o.c("begin")), _ints(o.c("end"))
    stride = _ints(o.c("stride", [1] * r))
    bmask = [bool(b) for b in np.asarray(o.c("begin_mask", [False] * r)).reshape(-1)]
    emask = [bool(b) for b in np.asarray(o.c("end_mask", [False] * r)).reshape(-1)]
    smask = [bool(b) for b in np.asarray(o.c("squeeze_mask", [False] * r)).reshape(-1)]
    for d in range(r):
        if smask[d]:
            x = x.narrow(d, begin[d] % x.shape[d], 1)
            continue
        sl = slice(None if bmask[d] else begin[d], None if emask[d] else end[d], stride[d])
        idx = range(*sl.indices(x.shape[d]))
        if stride[d] == 1:
            x = x.narrow(d, idx.start, len(idx)) if len(idx) else x.narrow(d, 0, 0)
        else:
            x = x.index_select(d, torch.tensor(list(idx), dtype=torch.long))
    keep = [x.shape[d] for d in range(r) if not smask[d]]
    return x.reshape(keep)


def _reshape(o: _Op) -> torch.Tensor:
    x = o.t("x")
    shape = _ints(o.c("shape"))
    if len(shape) == x.dim():
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _concat(o: _Op) -> torch.Tensor:
    values = o.ts("values")
    axis = int(o.c("axis")) % values[0].dim()
    if bool(o.c("interleave", False)):  # a0 b0 a1 b1 … along axis
        return torch.stack(values, dim=axis + 1).flatten(axis, axis + 1)
    return torch.cat(values, dim=axis)


def _gelu(o: _Op) -> torch.Tensor:
    x, mode = o.t("x"), str(o.c("mode", "EXACT"))
    if mode == "EXACT":
        return F.gelu(x)
    if mode == "TANH_APPROXIMATION":
        return F.gelu(x, approximate="tanh")
    if mode == "SIGMOID_APPROXIMATION":
        return x * torch.sigmoid(1.702 * x)
    raise NotImplementedError(f"gelu mode {mode!r}")


def _pad(o: _Op) -> torch.Tensor:
    x, mode = o.t("x"), str(o.c("mode", "constant"))
    pads = _torch_pad(_ints(o.c("pad")))
    if mode == "constant":
        return F.pad(x, pads, value=float(o.c("constant_val", 0.0)))
    return F.pad(x, pads, mode={"reflect": "reflect", "replicate": "replicate"}[mode])


def _reduce(fn):
    def run(o: _Op) -> torch.Tensor:
        x = o.t("x")
        axes = o.c("axes")
        dims = list(range(x.dim())) if axes is None else [a % x.dim() for a in _ints(axes)]
        return fn(x, dims, bool(o.c("keep_dims", False)))
    return run


def _split(o: _Op) -> list[torch.Tensor]:
    x, axis = o.t("x"), int(o.c("axis"))
    if o.has("split_sizes"):
        return list(torch.split(x, _ints(o.c("split_sizes")), dim=axis))
    return list(torch.chunk(x, int(o.c("num_splits")), dim=axis))


def _matmul(o: _Op) -> torch.Tensor:
    x, y = o.t("x"), o.t("y")
    if bool(o.c("transpose_x", False)):
        x = x.transpose(-1, -2)
    if bool(o.c("transpose_y", False)):
        y = y.transpose(-1, -2)
    return torch.matmul(x, y)


def _binary(fn):
    return lambda o: fn(o.t("x"), o.t("y"))


def _unary(fn):
    return lambda o: fn(o.t("x"))


OPS = {
    "add": _binary(torch.add), "sub": _binary(torch.sub), "mul": _binary(torch.mul),
    "real_div": _binary(lambda x, y: x / y), "pow": _binary(torch.pow), "maximum": _binary(torch.maximum),
    "minimum": _binary(torch.minimum), "floor_div": _binary(torch.floor_divide),
    "equal": _binary(torch.eq), "not_equal": _binary(torch.ne), "less": _binary(torch.lt),
    "less_equal": _binary(torch.le), "greater": _binary(torch.gt), "greater_equal": _binary(torch.ge),
    "logical_and": _binary(torch.logical_and), "logical_or": _binary(torch.logical_or),
    "logical_not": _unary(torch.logical_not),
    "relu": _unary(torch.relu), "sigmoid": _unary(torch.sigmoid), "tanh": _unary(torch.tanh),
    "sin": _unary(torch.sin), "cos": _unary(torch.cos), "exp": _unary(torch.exp), "log": _unary(torch.log),
    "sqrt": _unary(torch.sqrt), "abs": _unary(torch.abs), "erf": _unary(torch.erf), "square": _unary(torch.square),
    "floor": _unary(torch.floor), "ceil": _unary(torch.ceil), "sign": _unary(torch.sign), "silu": _unary(F.silu),
    "rsqrt": lambda o: torch.rsqrt(o.t("x") + float(o.c("epsilon", 1e-12))),
    "inverse": lambda o: 1.0 / (o.t("x") + float(o.c("epsilon", 1e-4))),
    "clip": lambda o: torch.clamp(o.t("x"), float(o.c("alpha")), float(o.c("beta"))),
    "leaky_relu": lambda o: F.leaky_relu(o.t("x"), float(o.c("alpha", 0.01))),
    "gelu": _gelu,
    "softmax": lambda o: torch.softmax(o.t("x"), dim=int(o.c("axis", -1))),
    "linear": lambda o: F.linear(o.t("x"), o.t("weight"), o.t("bias") if o.has("bias") else None),
    "matmul": _matmul,
    "conv": _conv, "conv_transpose": _conv_transpose,
    "layer_norm": _layer_norm,
    "reshape": _reshape,
    "transpose": lambda o: o.t("x").permute(_ints(o.c("perm"))),
    "slice_by_index": _slice_by_index,
    "slice_by_size": lambda o: o.t("x")[tuple(slice(b, None if s == -1 else b + s)
                                              for b, s in zip(_ints(o.c("begin")), _ints(o.c("size"))))],
    "concat": _concat,
    "stack": lambda o: torch.stack(o.ts("values"), dim=int(o.c("axis"))),
    "split": _split,
    "expand_dims": lambda o: o.t("x").reshape(_expand(o.t("x").shape, _ints(o.c("axes")))),
    "squeeze": lambda o: (o.t("x").squeeze() if o.c("axes") is None
                          else o.t("x").squeeze(tuple(_ints(o.c("axes"))))),
    "pad": _pad,
    "tile": lambda o: o.t("x").repeat(_ints(o.c("reps"))),
    "gather": lambda o: _gather(o),
    "select": lambda o: torch.where(o.t("cond"), o.t("a"), o.t("b")),
    "reduce_mean": _reduce(lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "reduce_sum": _reduce(lambda x, d, k: x.sum(dim=d, keepdim=k)),
    "reduce_max": _reduce(lambda x, d, k: x.amax(dim=d, keepdim=k)),
    "reduce_min": _reduce(lambda x, d, k: x.amin(dim=d, keepdim=k)),
    "reduce_l2_norm": _reduce(lambda x, d, k: torch.sqrt((x * x).sum(dim=d, keepdim=k))),
    "reduce_argmax": lambda o: torch.argmax(o.t("x"), dim=int(o.c("axis", -1)),
                                            keepdim=bool(o.c("keep_dims", False))).to(torch.int32),
    "shape": lambda o: torch.tensor(list(o.t("x").shape), dtype=torch.int32),
    "identity": lambda o: o.t("x"),
}


# ops whose outputs only move or select input values: FP16 inputs give FP16-exact outputs, no rounding needed
_SAME_VALUES = {"reshape", "transpose", "slice_by_index", "slice_by_size", "concat", "stack", "split", "expand_dims",
                "squeeze", "pad", "tile", "gather", "select", "identity", "relu", "maximum", "minimum", "abs",
                "reduce_max", "reduce_min"}


def _expand(shape, axes: list[int]) -> list[int]:
    out = list(shape)
    rank = len(shape) + len(axes)
    for a in sorted(a % rank for a in axes):
        out.insert(a, 1)
    return out


def _gather(o: _Op) -> torch.Tensor:
    x, idx = o.t("x"), o.t("indices").long()
    axis = int(o.c("axis", 0)) % x.dim()
    if int(o.c("batch_dims", 0)):
        raise NotImplementedError("gather with batch_dims")
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    out = x.index_select(axis, idx.reshape(-1))
    return out.reshape(*x.shape[:axis], *idx.shape, *x.shape[axis + 1:])


class MilSession(Session):
    """Runs a saved ``.mlpackage`` (ML program) op by op in torch; see the module docstring."""

    def __init__(self, path: str | Path, *, fp16_storage: bool = True):
        self.function = load_program(path)
        self.fp16_storage = fp16_storage
        self.input_names = list(self.function.inputs)
        self.output_names = [v.name for v in self.function.outputs]
        self.engine = ENGINE
        self.ops = list(self.function.operations)
        unknown = sorted({op.op_type for op in self.ops if op.op_type != "const"
                          and not op.op_type.startswith("constexpr_") and op.op_type not in OPS and op.op_type != "cast"})
        if unknown:
            raise NotImplementedError(f"the MIL reference interpreter has no rule for op(s) {', '.join(unknown)}")
        self._consts: dict[str, torch.Tensor] = {}
        for op in self.ops:
            feeds_only_constexpr = op.outputs[0].child_ops and all(
                c.op_type.startswith("constexpr_") for c in op.outputs[0].child_ops)
            if feeds_only_constexpr:  # INT8 data, scales: used through the decompressed weight below
                continue
            if op.op_type == "const" and op.outputs[0].val is not None and not isinstance(op.outputs[0].val, str):
                self._consts[op.outputs[0].name] = _tensor(op.outputs[0].val)
            elif op.op_type.startswith("constexpr_"):  # INT8 / palettized weights, decompressed by coremltools
                self._consts[op.outputs[0].name] = _tensor(op.materialized_val_inference())
        # free each intermediate after its last reader (1024² activations add up to GBs otherwise)
        last: dict[str, int] = {}
        for i, op in enumerate(self.ops):
            for v in op.inputs.values():
                for var in (v if isinstance(v, (list, tuple)) else [v]):
                    last[var.name] = i
        self._free: dict[int, list[str]] = {}
        for name, i in last.items():
            if name not in self._consts and name not in self.output_names:
                self._free.setdefault(i, []).append(name)

    @torch.no_grad()
    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        batch = batch_of_ones(feed, {n: (v.shape[0] if v.shape else None) for n, v in self.function.inputs.items()})
        if batch:  # like the Core ML session: a batch-1 program runs a larger batch item by item
            return run_items(self, feed, batch)
        env: dict[str, torch.Tensor] = dict(self._consts)
        for name, var in self.function.inputs.items():
            t = _tensor(feed[name])
            env[name] = _fp16(t) if _is_fp16(var) else t
        for i, op in enumerate(self.ops):
            if op.op_type == "const" or op.op_type.startswith("constexpr_"):
                continue
            o = _Op(op, env)
            if op.op_type == "cast":
                dtype = str(o.c("dtype"))
                out = o.t("x").to(_DTYPES[dtype])
                out = _fp16(out) if dtype == "fp16" else out
                results = [out]
            else:
                res = OPS[op.op_type](o)
                results = res if isinstance(res, (list, tuple)) else [res]
            rounding = self.fp16_storage and op.op_type not in _SAME_VALUES
            for var, val in zip(op.outputs, results):
                if val.dtype == torch.float64:
                    val = val.float()
                env[var.name] = _fp16(val) if rounding and _is_fp16(var) else val
            for name in self._free.get(i, ()):
                env.pop(name, None)
        return {n: env[n].to(torch.float32).numpy() if env[n].is_floating_point() else env[n].numpy()
                for n in self.output_names}


def host_estimate(bundle, emit=print) -> dict:
    """Check a Core ML bundle (an edgevfm_runtime Bundle, or its folder) with :class:`MilSession` standing
    in for Core ML: the family's whole check (every component on golden.npz, task metrics), recorded as a
    labelled estimate."""
    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.check import run_check
    from edgevfm_runtime.host_outputs import with_host_outputs

    bundle = open_bundle(bundle) if isinstance(bundle, (str, Path)) else bundle
    sessions = {name: with_host_outputs(MilSession(bundle.component_path(name)), c.get("host_outputs", {}))
                for name, c in bundle.components.items()}
    report = run_check(bundle, sessions=sessions)
    out = report.to_json()
    return {"what": "weights and graph as converted, executed by edgevfm's MIL interpreter (FP16 storage, FP32 "
                    "math) — an estimate of the conversion + weight-quantization error, not Core ML parity",
            "engine": ENGINE, "within_thresholds": out.pop("passed"), **{k: v for k, v in out.items() if k != "engine"}}
