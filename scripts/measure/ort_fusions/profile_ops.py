"""FILE…: ONNX Runtime's profiler (2 threads, 6 runs): share of kernel time per op type."""
import sys, json, collections, numpy as np, onnxruntime as ort
for f in sys.argv[1:]:
    so = ort.SessionOptions(); so.intra_op_num_threads = 2; so.log_severity_level = 3
    so.add_session_config_entry("session.intra_op.allow_spinning", "0"); so.enable_profiling = True
    so.profile_file_prefix = "/tmp/ortopt/prof"
    s = ort.InferenceSession(f, so, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)
    for _ in range(6): s.run(None, {s.get_inputs()[0].name: x})
    p = s.end_profiling(); ev = json.load(open(p))
    c = collections.Counter()
    for e in ev:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"): c[e["args"]["op_name"]] += e["dur"]
    tot = sum(c.values())
    print(f, {k: f"{v/tot*100:.1f}%" for k, v in c.most_common(10)})
