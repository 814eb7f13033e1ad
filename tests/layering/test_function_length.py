"""No function in the toolkit or the runtime is longer than LIMIT lines (from its ``def`` to its last
line, docstring included): a longer one does several things and is split into named steps. The few
exceptions are listed with the reason, and each must still be over the limit (a fixed one leaves the
list)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = (REPO / "edgevfm", REPO / "runtime" / "edgevfm_runtime")
LIMIT = 80

ALLOWED = {
    # The training loop is being rewritten for the DINOv2 student (issue 13's distillation work) in
    # another branch; it is split there, not here, so the two changes do not collide.
    "edgevfm/distill/loop.py::_distill": "rewritten with the DINOv2 distillation",
}


def function_lengths(roots=ROOTS, base: Path = REPO) -> dict[str, int]:
    """``path::qualified.name`` (path relative to ``base``) → lines, for every function and method under ``roots``."""
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            rel = path.relative_to(base).as_posix()
            _walk(tree, rel, "", out)
    return out


def _walk(node, rel: str, prefix: str, out: dict) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{child.name}"
            if not isinstance(child, ast.ClassDef):
                out[f"{rel}::{name}"] = child.end_lineno - child.lineno + 1
            _walk(child, rel, name + ".", out)


def test_no_function_is_longer_than_the_limit():
    long = {k: n for k, n in function_lengths().items() if n > LIMIT and k not in ALLOWED}
    assert not long, f"functions over {LIMIT} lines (split them into named steps): " + ", ".join(
        f"{k} ({n})" for k, n in sorted(long.items(), key=lambda kv: -kv[1]))


def test_every_exception_is_still_needed():
    lengths = function_lengths()
    stale = [k for k in ALLOWED if lengths.get(k, 0) <= LIMIT]
    assert not stale, f"no longer over {LIMIT} lines (or gone): remove from ALLOWED: {stale}"


def test_the_measure_sees_nested_functions_and_methods(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"        x{i} = {i}" for i in range(LIMIT))
    (pkg / "m.py").write_text(f"class A:\n    def long(self):\n{body}\n\n\ndef short():\n    def inner():\n"
                              "        return 1\n    return inner\n")
    assert function_lengths((pkg,), base=tmp_path) == {"pkg/m.py::A.long": LIMIT + 1, "pkg/m.py::short": 4, "pkg/m.py::short.inner": 2}
