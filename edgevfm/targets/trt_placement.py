"""Q/DQ only on the inputs of weighted ops (TensorRT's recommended placement).

ORT's QDQ quantizer, even with output quantization turned off for Conv/MatMul/Gemm, hands the
dequantized tensor to *every* consumer: a LayerNorm output quantized for the next MatMul also reaches
the residual Add through Q→DQ, and a quantized graph output comes out of a DequantizeLinear. This
pass gives every consumer that is not a weighted op the float tensor back, and drops Q/DQ pairs that
feed nothing. Weight DequantizeLinears (constant input) are left alone."""
from __future__ import annotations

WEIGHTED_OPS = ("Conv", "ConvTranspose", "MatMul", "Gemm")


def inputs_only(model, weighted: tuple[str, ...] = WEIGHTED_OPS) -> dict:
    """Rewire in place; returns counts of what changed."""
    g = model.graph
    inits = {i.name for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    outputs = {o.name for o in g.output}
    rewired = renamed = 0
    for dq in [n for n in g.node if n.op_type == "DequantizeLinear" and n.input[0] not in inits]:
        q = producer.get(dq.input[0])
        if q is None or q.op_type != "QuantizeLinear":
            continue
        src, out = q.input[0], dq.output[0]
        if out in outputs:
            # ORT renamed the producer's output so that the DQ could write the graph output: undo that.
            new = f"{out}_dequantized"
            for n in g.node:
                n.output[:] = [out if o == src else o for o in n.output]
                n.input[:] = [out if i == src else new if i == out else i for i in n.input]
            dq.output[0] = new
            src, out = out, new
            renamed += 1
        for n in g.node:
            if n.op_type not in weighted and n is not q and out in n.input:
                n.input[:] = [src if i == out else i for i in n.input]
                rewired += 1
    removed = _drop_dead_qdq(g)
    return {"rewired_consumers": rewired, "restored_graph_outputs": renamed, "removed_qdq_nodes": removed}


def _drop_dead_qdq(g) -> int:
    removed = 0
    while True:
        used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
        dead = [n for n in g.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")
                and not any(o in used for o in n.output)]
        if not dead:
            return removed
        for n in dead:
            g.node.remove(n)
        removed += len(dead)
