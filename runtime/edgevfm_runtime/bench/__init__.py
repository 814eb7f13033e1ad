"""Latency, memory and parity of bundles side by side, numpy only (runs on the device).

``run_bench`` opens every contender, runs them *interleaved* (round-robin per iteration, with the
starting contender rotating) so host drift hits all alike, and returns the versioned result dict
(schema in ``bench/README.md``). The toolkit adds baseline contenders (PyTorch eager, plain ONNX
export) by registering more kinds in :data:`KINDS`.
"""
from .contenders import KINDS, ContenderSpec, register_kind
from .core import SCHEMA_VERSION, run_bench
from .timing import run_interleaved
from .workloads import Workload, build_workload

__all__ = ["KINDS", "ContenderSpec", "register_kind", "SCHEMA_VERSION", "run_bench", "run_interleaved",
           "Workload", "build_workload"]
