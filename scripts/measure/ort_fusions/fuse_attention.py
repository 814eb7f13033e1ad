"""SRC DST [--op attention|mha]: packed-qkv attention (qkv MatMul + bias + heads + Softmax, our DINOv2 /
CLIP graphs) rewritten by hand to one com.microsoft ``Attention`` node, or to Split + com.microsoft
``MultiHeadAttention`` (the fusions ORT's optimizer does not find). A measurement prototype, not an
export path (bench/results/ort_fusions_analysis.md)."""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper


class Graph:
    def __init__(self, g):
        self.g = g
        self.prod = {o: n for n in g.node for o in n.output}
        self.cons = {}
        for n in g.node:
            for i in n.input:
                self.cons.setdefault(i, []).append(n)
        self.const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        for n in g.node:
            if n.op_type == "Constant":
                self.const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)

    def only(self, name):
        c = self.cons.get(name, [])
        return c[0] if len(c) == 1 else None

    def head_of(self, t, nh):
        """q/k/v tensor -> (index in the packed qkv, the heads Transpose, nodes to drop)."""
        n = self.prod[t]
        if n.op_type == "Slice":
            return int(self.const[n.input[1]].ravel()[0]) // nh, self.prod[n.input[0]], [n]
        if n.op_type == "Squeeze":
            sp = self.prod[n.input[0]]
            return list(sp.output).index(n.input[0]), self.prod[sp.input[0]], [n, sp]
        raise KeyError(t)

    def match(self, sm):
        """The attention block around Softmax ``sm``: its nodes and parameters, or None."""
        prod, const = self.prod, self.const
        try:
            qk = prod[sm.input[0]]
            mul, kt = prod[qk.input[0]], prod[qk.input[1]]
            assert qk.op_type == "MatMul" and mul.op_type == "Mul" and kt.op_type == "Transpose"
            scale = float(const[mul.input[1]].ravel()[0])
            av = self.only(sm.output[0])
            assert av.op_type == "MatMul"
            n0 = prod[mul.input[0]]
            n0 = prod[n0.input[0]] if n0.op_type == "Squeeze" else n0
            rs = prod[prod[n0.input[0]].input[0]]
            width = const[prod[rs.input[0]].input[0]].shape[0] // 3
            nh = width // round(scale ** -2)
            iq, tr, dq = self.head_of(mul.input[0], nh)
            ik, tr2, dk = self.head_of(kt.input[0], nh)
            iv, tr3, dv = self.head_of(av.input[1], nh)
            assert (iq, ik, iv) == (0, 1, 2) and tr is tr2 is tr3
            ot = self.only(av.output[0])
            orr = self.only(ot.output[0])
            assert ot.op_type == "Transpose" and orr.op_type == "Reshape"
        except (KeyError, AssertionError, AttributeError):
            return None
        return dict(qkv=rs.input[0], width=width, nh=nh, scale=scale, out=orr.output[0],
                    base=sm.name.rsplit("/", 1)[0], nodes=[rs, tr, *dq, *dk, *dv, mul, kt, qk, sm, av, ot, orr])


def attention_nodes(G, b):
    addn = G.prod[b["qkv"]]
    mm = G.prod[addn.input[1]]
    node = helper.make_node("Attention", [mm.input[0], mm.input[1], addn.input[0]], [b["out"]], domain="com.microsoft",
                            num_heads=b["nh"], scale=b["scale"], name=b["base"] + "/Attention")
    return [node], [addn, mm]


def mha_nodes(G, b):
    sizes = b["base"] + "/mha_split_sizes"
    G.g.initializer.append(numpy_helper.from_array(np.array([b["width"]] * 3, np.int64), sizes))
    q, k, v = (f"{b['base']}/mha_{c}" for c in "qkv")
    return [helper.make_node("Split", [b["qkv"], sizes], [q, k, v], axis=-1, name=b["base"] + "/mha_split"),
            helper.make_node("MultiHeadAttention", [q, k, v], [b["out"]], domain="com.microsoft",
                             num_heads=b["nh"], scale=b["scale"], name=b["base"] + "/MultiHeadAttention")], []


EMIT = {"attention": attention_nodes, "mha": mha_nodes}


def fuse(m, op: str) -> int:
    G = Graph(m.graph)
    drop, new_at = set(), {}  # new nodes go where the block's output Reshape was (keeps topological order)
    for sm in [n for n in m.graph.node if n.op_type == "Softmax"]:
        block = G.match(sm)
        if block is None:
            continue
        nodes, extra = EMIT[op](G, block)
        new_at[id(block["nodes"][-1])] = nodes
        drop |= {id(n) for n in (*block["nodes"], *extra)}
    out = []
    for n in m.graph.node:
        out.extend(new_at.get(id(n), []))
        if id(n) not in drop:
            out.append(n)
    del m.graph.node[:]
    m.graph.node.extend(out)
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(new_at)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--op", choices=sorted(EMIT), default="attention")
    a = ap.parse_args()
    model = onnx.load(a.src)
    print("fused", fuse(model, a.op))
    onnx.save(model, a.dst)
