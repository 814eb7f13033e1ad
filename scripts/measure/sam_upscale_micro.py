"""Host SAM mask upscaling alone, interleaved: banded row gathers (runtime/edgevfm_runtime/sam/upscale.py) vs the
previous BLAS product chain with the default BLAS threads and with BLAS limited to one thread (needs threadpoolctl).

    PYTHONPATH=runtime python scripts/measure/sam_upscale_micro.py
"""
import numpy as np, time
from threadpoolctl import threadpool_limits
from edgevfm_runtime.sam.upscale import upscale_masks, _upscale_matrices
x=np.random.randn(1,4,256,256).astype(np.float32)
h,w = 300,451
a,b=_upscale_matrices(h,w,256); a=a.astype(np.float32); b=b.astype(np.float32)
def mm1():
    with threadpool_limits(1, "blas"): return a@x@b.T
fs={"banded":lambda: upscale_masks(x,[h,w]), "matmul_blas_default":lambda: a@x@b.T, "matmul_blas_1thread": mm1}
r={k:[] for k in fs}
for k,f in fs.items(): f()
for i in range(30):
    for k,f in (fs.items() if i%2 else reversed(fs.items())):
        t=time.perf_counter(); f(); r[k].append((time.perf_counter()-t)*1e3)
for k,v in r.items(): print(f"{k:22s} p50 {np.median(v):7.2f}  min {np.min(v):7.2f}")
