"""No import circles: the module-level imports of each package form no cycle (a submodule importing
its own package, the registration idiom, is not one), and the CLI subcommands do not import the CLI
entry point back."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"edgevfm": REPO / "edgevfm", "edgevfm_runtime": REPO / "runtime" / "edgevfm_runtime"}


def _modules(pkg: str, root: Path) -> dict[str, Path]:
    out = {}
    for p in root.rglob("*.py"):
        parts = (pkg, *p.relative_to(root).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _imports(name: str, path: Path, known: set[str], *, top_level: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level else list(ast.walk(tree))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found |= {f"{base}.{a.name}" for a in node.names} | {base}
    return {m for m in found if m in known and m != name and not name.startswith(m + ".")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


@pytest.mark.parametrize("pkg", sorted(PACKAGES))
def test_no_module_level_import_cycle(pkg):
    mods = _modules(pkg, PACKAGES[pkg])
    graph = {n: _imports(n, p, set(mods), top_level=True) for n, p in mods.items()}
    assert _cycle(graph) is None


def test_cli_subcommands_do_not_import_the_entry_point():
    mods = _modules("edgevfm", PACKAGES["edgevfm"])
    for name in ("edgevfm.cli.bench", "edgevfm.cli.check"):
        assert "edgevfm.cli.main" not in _imports(name, mods[name], set(mods), top_level=False), name
