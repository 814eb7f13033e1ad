"""SRC DST MODEL_TYPE NUM_HEADS HIDDEN: SRC through onnxruntime.transformers.optimizer (opt_level 0: its own fusions only); prints the fused-op statistics and the op counts of DST (issue 16, results/ort_fusions_analysis.md)."""
import sys, collections, onnx, time
from onnxruntime.transformers.optimizer import optimize_model
src, dst, mt, nh, hs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
t=time.time()
m = optimize_model(src, model_type=mt, num_heads=nh, hidden_size=hs, opt_level=0)
print("fused", m.get_fused_operator_statistics())
m.save_model_to_file(dst)
c = collections.Counter(n.op_type for n in onnx.load(dst).graph.node)
print(dict(c.most_common(20)), time.time()-t)
