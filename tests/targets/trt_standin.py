"""A strict stand-in for ``tensorrt`` and ``cuda.bindings.runtime``, for CPU tests of the engine code.

Every object exposes only the names TensorRT 10.3 has (``trt_api_10_3.py``): anything else — a typo,
an API from another version, or (with ``removed=REMOVED_IN_11``) one TensorRT 11 removed — raises
AttributeError, as the real module would. Behaviour is the minimum the build/run path needs and each
handle can be reconfigured by a test."""
from __future__ import annotations

import enum
import sys
import types
from unittest import mock

import numpy as np

from trt_api_10_3 import CLASSES, DTYPE_ALIASES, ENUMS, NPTYPE, REMOVED_IN_11  # noqa: F401 (re-exported)


def _without(names, removed, key):
    gone = set((removed or {}).get(key, ()))
    return [n for n in names if n not in gone]


def strict(cls: str, removed=None, **values) -> mock.MagicMock:
    """A mock with exactly ``cls``'s 10.3 attributes (minus ``removed``), preset with ``values``."""
    obj = mock.MagicMock(spec_set=_without(CLASSES[cls], removed, cls))
    for k, v in values.items():
        setattr(obj, k, v)
    return obj


def fake_tensorrt(version: str = "10.3.0", *, removed=None, engine_bytes: bytes = b"engine"):
    """(module, handles): the module to install as ``tensorrt`` and the objects its factories return."""
    enums = {name: enum.IntEnum(name, _without(members, removed, name), start=0) for name, members in ENUMS.items()}
    dt = enums["DataType"]

    def nptype(t):
        if isinstance(t, dt) and t.name in NPTYPE:
            return getattr(np, NPTYPE[t.name])
        raise TypeError("Could not resolve TensorRT datatype to an equivalent numpy datatype.")

    timing = strict("ITimingCache", removed)
    timing.serialize.return_value = b"timings"
    timing.combine.return_value = True
    profile = strict("IOptimizationProfile", removed)
    config = strict("IBuilderConfig", removed)
    config.create_timing_cache.return_value = timing
    config.get_timing_cache.return_value = timing
    config.set_timing_cache.return_value = True
    config.add_optimization_profile.return_value = 0
    network = strict("INetworkDefinition", removed, num_layers=0)
    parser = strict("OnnxParser", removed, num_errors=0)
    parser.parse_from_file.return_value = True
    builder = strict("Builder", removed)
    builder.create_network.return_value = network
    builder.create_builder_config.return_value = config
    builder.create_optimization_profile.return_value = profile
    builder.build_serialized_network.return_value = engine_bytes
    context = strict("IExecutionContext", removed)
    context.set_input_shape.return_value = True
    context.execute_async_v3.return_value = True
    engine = strict("ICudaEngine", removed)
    engine.create_execution_context.return_value = context
    runtime = strict("Runtime", removed)
    runtime.deserialize_cuda_engine.return_value = engine

    logger_cls = mock.MagicMock(spec_set=["Severity", *enums["Severity"].__members__, *CLASSES["Logger"]])
    logger_cls.Severity = enums["Severity"]
    for m in enums["Severity"]:
        setattr(logger_cls, m.name, m)
    trt = types.ModuleType("tensorrt")
    trt.__version__ = version
    trt.Logger = logger_cls
    trt.Builder = mock.MagicMock(spec_set=[], return_value=builder)
    trt.OnnxParser = mock.MagicMock(spec_set=[], return_value=parser)
    trt.Runtime = mock.MagicMock(spec_set=[], return_value=runtime)
    trt.nptype = nptype
    for name in ("NetworkDefinitionCreationFlag", "BuilderFlag", "MemoryPoolType", "TensorIOMode", "DataType"):
        setattr(trt, name, enums[name])
    for alias, member in DTYPE_ALIASES.items():
        setattr(trt, alias, dt[member])
    handles = types.SimpleNamespace(builder=builder, config=config, network=network, parser=parser, profile=profile,
                                    timing=timing, runtime=runtime, engine=engine, context=context)
    return trt, handles


def describe_io(trt, engine, inputs: dict, outputs: dict) -> None:
    """Configure ``engine``'s IO: inputs name -> (shape with -1s, profile min, profile max); outputs
    name -> shape. All float32; the context reports the outputs' shapes."""
    names = [*inputs, *outputs]
    shapes = {n: v[0] for n, v in inputs.items()} | dict(outputs)
    engine.num_io_tensors = len(names)
    engine.get_tensor_name.side_effect = lambda i: names[i]
    engine.get_tensor_mode.side_effect = lambda n: trt.TensorIOMode.INPUT if n in inputs else trt.TensorIOMode.OUTPUT
    engine.get_tensor_shape.side_effect = lambda n: shapes[n]
    engine.get_tensor_dtype.side_effect = lambda n: trt.float32
    engine.get_tensor_profile_shape.side_effect = lambda n, p: (inputs[n][1], inputs[n][1], inputs[n][2])
    engine.create_execution_context.return_value.get_tensor_shape.side_effect = lambda n: outputs[n]


def fake_cudart(devices: int = 1, error: int = 0):
    """cuda.bindings.runtime's calls the engine makes, as (error, value) tuples like the real bindings."""
    ptrs = iter(range(0x1000, 1 << 40, 0x1000))
    rt = types.ModuleType("cuda.bindings.runtime")
    rt.cudaGetDeviceCount = lambda: (error, devices)
    rt.cudaGetDeviceProperties = lambda i: (0, types.SimpleNamespace(name=b"Fake GPU\x00", major=8, minor=7))
    rt.cudaStreamCreate = lambda: (0, 7)
    rt.cudaMalloc = lambda n: (0, next(ptrs))
    rt.cudaMemcpyAsync = lambda *a: (0,)
    rt.cudaStreamSynchronize = lambda s: (0,)
    rt.cudaFree = lambda p: (0,)
    rt.cudaMemcpyKind = types.SimpleNamespace(cudaMemcpyHostToDevice=1, cudaMemcpyDeviceToHost=2)
    return rt


def install(monkeypatch, trt=None, cudart=None) -> None:
    """Put the stand-ins where ``import tensorrt`` / ``from cuda.bindings import runtime`` find them."""
    if trt is not None:
        monkeypatch.setitem(sys.modules, "tensorrt", trt)
    if cudart is not None:
        cuda, bindings = types.ModuleType("cuda"), types.ModuleType("cuda.bindings")
        cuda.bindings, bindings.runtime = bindings, cudart
        for name, mod in (("cuda", cuda), ("cuda.bindings", bindings), ("cuda.bindings.runtime", cudart)):
            monkeypatch.setitem(sys.modules, name, mod)
