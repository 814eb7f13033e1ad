"""clang-tidy has no warnings on cpp/ (the check set is cpp/.clang-tidy; every warning is an error there):
run over the library, CLI and example sources with the compile_commands.json of the harness's build.
Skips, saying how to install it, where clang-tidy is absent (scripts/setup.sh installs it as root)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from optin import full_only_because

from .conftest import JOBS, REPO

CHECKED = ("cpp/src/", "cpp/tools/", "cpp/examples/")
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: (warning|error): .*\[[\w.,-]+\]$", re.M)


def _sources(build: Path) -> list[str]:
    db = build / "compile_commands.json"
    assert db.exists(), f"{db} is missing: the harness configures with CMAKE_EXPORT_COMPILE_COMMANDS=ON"
    files = sorted({e["file"] for e in json.loads(db.read_text())})
    return [f for f in files if any(Path(f).resolve().is_relative_to(REPO / d) for d in CHECKED)]


def _tidy(tidy: str, build: Path, source: str) -> tuple[str, list[str], str]:
    proc = subprocess.run([tidy, "-p", str(build), "--quiet", source], capture_output=True, text=True, timeout=900)
    found = [m.group(0) for m in DIAGNOSTIC.finditer(proc.stdout)]
    if proc.returncode != 0 and not found:  # a crash or a compile error, not a finding
        found = [f"clang-tidy exited {proc.returncode}: {proc.stderr[-2000:]}"]
    return source, found, proc.stdout


@full_only_because("whole-tree static analysis, ~2 min")
def test_clang_tidy_is_clean(cpp_build):
    tidy = shutil.which("clang-tidy")
    if tidy is None:
        pytest.skip("clang-tidy is not installed: apt-get install clang-tidy (scripts/setup.sh does as root)")
    sources = _sources(cpp_build)
    assert any(s.endswith("cpp/src/sam.cpp") for s in sources) and any(s.endswith("edgevfm_cpp.cpp") for s in sources)
    with ThreadPoolExecutor(int(JOBS)) as pool:
        results = list(pool.map(lambda s: _tidy(tidy, cpp_build, s), sources))
    findings = {src: found for src, found, _ in results if found}
    assert not findings, "\n".join(f for found in findings.values() for f in found) + "\n\n" + \
        "\n".join(out[-3000:] for src, found, out in results if found)
