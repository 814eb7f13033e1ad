"""ROUNDS ITERS FILE…: ONNX Runtime sessions side by side in one process (2 threads, no spinning), interleaved rounds; per file: SQNR vs the first file of the same output size, wall and process-CPU medians (results/ort_fusions_analysis.md)."""
import sys, time, statistics, numpy as np, onnxruntime as ort
rounds = int(sys.argv[1]); iters = int(sys.argv[2]); files = sys.argv[3:]
def sess(f):
    so = ort.SessionOptions(); so.intra_op_num_threads = 2; so.inter_op_num_threads = 1; so.log_severity_level = 3
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(f, so, providers=["CPUExecutionProvider"])
S = {f: sess(f) for f in files}
name = {f: s.get_inputs()[0].name for f, s in S.items()}
shp = [d if isinstance(d, int) else 1 for d in S[files[0]].get_inputs()[0].shape]
x = np.random.default_rng(0).standard_normal(shp, dtype=np.float32)
ref = None
for f, s in S.items():
    out = s.run(None, {name[f]: x})
    if ref is None or ref[0].size != out[0].size: ref = out
    print(f, "sqnr vs family's first:", [round(float(10*np.log10((r**2).sum()/max(((r-o)**2).sum(), 1e-30))), 1) for r, o in zip(ref, out)])
T = {f: [] for f in files}; C = {f: [] for f in files}
for r in range(rounds):
    for f, s in S.items():
        s.run(None, {name[f]: x})
        t = time.perf_counter(); c = time.process_time()
        for _ in range(iters): s.run(None, {name[f]: x})
        T[f].append((time.perf_counter()-t)/iters*1e3); C[f].append((time.process_time()-c)/iters*1e3)
for f in files:
    print(f"{f}: wall median {statistics.median(T[f]):.1f} ms (min {min(T[f]):.1f})  cpu median {statistics.median(C[f]):.1f} ms")
