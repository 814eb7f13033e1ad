"""Shared helpers for the export / toolkit-CLI bad-input cases: a tiny DINOv2 stand-in (the real
pipeline end to end in seconds), fake bundles, bad checkpoints, and an in-process CLI runner."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path

TINY_SET = ["input_size=28"]  # 2x2 patches: the whole export runs in a few seconds


def tiny_build(self, variant):
    """A 1-block, 32-wide DINOv2: same code paths as the real one, a fraction of the cost."""
    from edgevfm.models.dinov2.config import VARIANTS
    from edgevfm.models.dinov2.model import DinoV2

    return DinoV2(config=dataclasses.replace(VARIANTS[variant], depth=1, embed_dim=64, num_heads=1, img_size=28))


def use_tiny_dinov2(monkeypatch) -> None:
    from edgevfm.models.dinov2.family import DinoV2Family

    monkeypatch.setattr(DinoV2Family, "build", tiny_build)


def export_tiny(dest, **kw):
    """The real export() of the tiny DINOv2 (call use_tiny_dinov2 first)."""
    from edgevfm.export.pipeline import export

    kw.setdefault("overrides", TINY_SET)
    return export("dinov2", target="onnx-fp32", weights="random:0", output=dest, parity_gate=False,
                  emit=lambda s: None, **kw)


def fake_bundle(path: Path, tag: str = "old") -> Path:
    """A folder that passes for an edgevfm bundle (manifest fields the destination check reads)."""
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"schema_version": 1, "model": {"name": "x"},
                                                    "components": {}, "tag": tag}))
    (path / "model.onnx").write_bytes(b"\0" * 64)
    return path


def tree(path: Path) -> dict:
    """{relative path: bytes} of every file under ``path`` (to prove a folder is untouched)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def beside(dest: Path) -> list[str]:
    """Names next to ``dest`` other than ``dest`` itself (leftovers would show here)."""
    return sorted(p.name for p in dest.parent.iterdir() if p.name != dest.name)


def run_cli(argv, main=None) -> tuple[int, str, str]:
    """Run the toolkit CLI in-process; (exit code, stdout, stderr)."""
    if main is None:
        from edgevfm.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            rc = exc.code if isinstance(exc.code, int) else 1
    return rc, out.getvalue(), err.getvalue()


def assert_one_line_error(rc: int, err: str, *words: str, code: int = 2) -> None:
    assert rc == code, (rc, err)
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    for w in words:
        assert w.lower() in err.lower(), f"{w!r} not in {err!r}"
