"""Which nodes stay in float: recipe op types and node-name patterns, resolved against a graph."""
from __future__ import annotations

import re


def matching_nodes(nodes: list[tuple[str, str]], *, op_types=(), patterns=()) -> list[str]:
    """``nodes`` are (name, op_type); a node stays float if its type is listed or a pattern matches."""
    regexes = [re.compile(p) for p in patterns]
    return [n for n, op in nodes if op in set(op_types) or any(r.search(n) for r in regexes)]


def group_blocks(names: list[str], patterns: list[str]) -> dict[str, list[str]]:
    """Group node names into fallback units: the first pattern that matches names the unit
    (its first capture group, or the whole match). Units come in pattern order, then graph order."""
    regexes = [re.compile(p) for p in patterns]
    found: dict[str, tuple[int, list[str]]] = {}
    for n in names:
        for i, r in enumerate(regexes):
            m = r.search(n)
            if m:
                found.setdefault(m.group(1) if m.groups() else m.group(0), (i, []))[1].append(n)
                break
    return {k: v[1] for k, v in sorted(found.items(), key=lambda kv: kv[1][0])}
