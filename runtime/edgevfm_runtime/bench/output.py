"""Writing a bench result: versioned JSON, Markdown, PNG plot."""
from __future__ import annotations

import json
from pathlib import Path

from ..report_text import finite
from .report import to_markdown


def write_json(result: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(finite(result), indent=1) + "\n")
    return path


def read_json(path: str | Path) -> dict:
    """A result file with "inf" strings turned back into floats where numbers are expected."""
    def back(obj):
        if isinstance(obj, dict):
            return {k: back(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [back(v) for v in obj]
        return float(obj) if obj in ("inf", "-inf") else obj

    return back(json.loads(Path(path).read_text()))


def _provenance(result: dict) -> str:
    """The Markdown file's opening: the command that produced it (and the suite's description)."""
    lines = []
    if result.get("command"):
        wall = f" (wall time {result['wall_seconds'] / 60:.1f} min)" if result.get("wall_seconds") else ""
        lines.append(f"Command: `{result['command']}`{wall}")
    if (result.get("suite") or {}).get("description"):
        lines.append(f"Suite `{result['suite']['name']}`: {result['suite']['description'].strip()}")
    if (result.get("suite") or {}).get("note"):
        lines.append(result["suite"]["note"].strip())
    return "\n\n".join(lines) + "\n\n" if lines else ""


def write_outputs(result: dict, *, json_path=None, md_path=None, plot_path=None) -> list[Path]:
    written = []
    if json_path:
        written.append(write_json(result, json_path))
    if md_path:
        p = Path(md_path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(_provenance(result) + to_markdown(result))
        written.append(p)
    if plot_path:
        from .plot import plot

        written.append(plot(result, plot_path))
    return written
