"""Where a contender spends its time: every component's per-op profile (``Session.profile``) on the
first golden case, as the check feeds it, summed per op type and cut to the top entries."""
from __future__ import annotations

from .. import golden as G
from ..errors import EdgeVFMError
from ..families import family_of
from ..replay import component_feed

TOP = 12


def top_ops(per_op: dict[str, float], top: int = TOP) -> list[dict]:
    total = sum(per_op.values()) or 1.0
    ranked = sorted(per_op.items(), key=lambda kv: -kv[1])[:top]
    return [{"op": k, "ms": round(v, 2), "share": round(v / total, 3)} for k, v in ranked]


def profile_source(source, *, top: int = TOP, **session_options) -> dict:
    """{component: [{op, ms, share}] | {"error": why}} for every component with golden inputs."""
    cases = G.parse(source.golden)
    family = family_of(source)
    out: dict = {}
    for comp in source.components:
        if comp not in cases:
            continue
        case, io = next(iter(cases[comp].items()))
        upstream_comp = family.upstream_of(comp)
        upstream = cases[upstream_comp][case.split(".")[0]]["out"] if upstream_comp else None
        try:
            sess = source.session(comp, **session_options)
            feed = component_feed(source, comp, io, upstream)
            out[comp] = top_ops(sess.profile({k: feed[k] for k in sess.input_names}), top)
        except EdgeVFMError as exc:  # e.g. an engine without a profiler: said in the result, not raised
            out[comp] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out
