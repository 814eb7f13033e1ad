"""SRC DST: packed-qkv attention (qkv MatMul + bias + heads + Softmax) rewritten to one com.microsoft Attention node; a measurement prototype, not an export path (results/ort_fusions_analysis.md)."""
import sys, onnx, numpy as np
from onnx import helper, numpy_helper
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
prod = {o: n for n in g.node for o in n.output}
cons = {}
for n in g.node:
    for i in n.input: cons.setdefault(i, []).append(n)
const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
for n in g.node:
    if n.op_type == "Constant": const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
def only(name):
    c = cons.get(name, []); return c[0] if len(c) == 1 else None
def head_of(t, nh):
    """q/k/v tensor -> (index, transpose node) via Slice or Squeeze(Split)"""
    n = prod[t]
    if n.op_type == "Slice":
        return int(const[n.input[1]].ravel()[0]) // nh, prod[n.input[0]], [n]
    if n.op_type == "Squeeze":
        sp = prod[n.input[0]]; return list(sp.output).index(n.input[0]), prod[sp.input[0]], [n, sp]
    raise KeyError
remove, add, count = [], [], 0
for sm in [n for n in g.node if n.op_type == "Softmax"]:
    try:
        qk = prod[sm.input[0]]; mul = prod[qk.input[0]]; kt = prod[qk.input[1]]
        assert qk.op_type == "MatMul" and mul.op_type == "Mul" and kt.op_type == "Transpose"
        scale = float(const[mul.input[1]].ravel()[0])
        av = only(sm.output[0]); assert av.op_type == "MatMul"
        hd = round(scale ** -2)
        n0 = prod[mul.input[0]]; n0 = prod[n0.input[0]] if n0.op_type == "Squeeze" else n0
        rs = prod[prod[n0.input[0]].input[0]]; width = const[prod[rs.input[0]].input[0]].shape[0] // 3
        nh = width // hd
        iq, tr, dq = head_of(mul.input[0], nh); ik, tr2, dk = head_of(kt.input[0], nh); iv, tr3, dv = head_of(av.input[1], nh)
        assert (iq, ik, iv) == (0, 1, 2) and tr is tr2 is tr3
        ot = only(av.output[0]); orr = only(ot.output[0])
        assert ot.op_type == "Transpose" and orr.op_type == "Reshape"
    except (KeyError, AssertionError, AttributeError) as e:
        continue
    qkv = rs.input[0]; base = sm.name.rsplit("/", 1)[0]
    split_sizes = base + "/mha_split_sizes"
    g.initializer.append(numpy_helper.from_array(np.array([width]*3, np.int64), split_sizes))
    q, k, v = (f"{base}/mha_{c}" for c in "qkv")
    addn = prod[qkv]; mm = prod[addn.input[1]]
    add.append(helper.make_node("Attention", [mm.input[0], mm.input[1], addn.input[0]], [orr.output[0]], domain="com.microsoft",
                                num_heads=nh, scale=scale, name=base + "/Attention"))
    remove.extend([addn, mm]); pending_key = qkv
    seen = set()
    for n in [rs, tr, *dq, *dk, *dv, mul, kt, qk, sm, av, ot, orr]:
        if id(n) not in seen: seen.add(id(n)); remove.append(n)
    count += 1
keep = [n for n in g.node if all(n is not r for r in remove)]
# insert new nodes: place at the position of the removed reshape to keep topological order
out = []
ids = {id(r) for r in remove}
pending = {}
for a in add: pending[a.name.rsplit("/",1)[0]] = [a]
for n in g.node:
    if id(n) in ids:
        if n.op_type == "Reshape" and n.name.rsplit("/",1)[0] in pending and n.name.endswith("Reshape_1"): out.extend(pending.pop(n.name.rsplit("/",1)[0]))
        continue
    out.append(n)
del g.node[:]; g.node.extend(out)
if not any(o.domain == "com.microsoft" for o in m.opset_import):
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
onnx.save(m, dst)
print("fused", count)
