"""JSON-lines training log, loss-curve PNG and a progress bar with ETA (rank 0 only)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path


class JsonlLog:
    def __init__(self, path: Path, *, enabled: bool) -> None:
        self.path, self.enabled = path, enabled

    def write(self, record: dict) -> None:
        if self.enabled:
            with self.path.open("a") as fh:
                fh.write(json.dumps({"time": round(time.time(), 3), **record}) + "\n")

    def truncate_after(self, step: int) -> None:
        """On resume: drop records written after the checkpoint (a killed run may have logged more)."""
        if not (self.enabled and self.path.exists()):
            return
        keep = [ln for ln in self.path.read_text().splitlines()
                if ln.strip() and _complete(ln) and json.loads(ln).get("step", 0) <= step]
        self.path.write_text("".join(ln + "\n" for ln in keep))

    def records(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(ln) for ln in self.path.read_text().splitlines() if ln.strip() and _complete(ln)]


def _complete(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:  # the last line of a killed run
        return False
    return True


def plot_loss(records: list[dict], dest: Path, *, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(r["step"], r["loss"]) for r in records if r.get("event") == "train"]
    evals = [(r["step"], r["val_loss"]) for r in records if r.get("event") == "eval" and "val_loss" in r]
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    if train:
        ax.plot(*zip(*train), label="train (Huber, mean of logged steps)", lw=1)
    if evals:
        ax.plot(*zip(*evals), "o-", label="held-out", ms=3)
    ax.set_xlabel("step")
    ax.set_ylabel("embedding loss")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)


class Progress:
    """A rich progress bar with ETA on a terminal; one plain line per ``every`` steps otherwise."""

    def __init__(self, *, total: int, start: int, enabled: bool, every: int) -> None:
        self.enabled, self.every, self.total = enabled, max(1, every), total
        self.bar = None
        self.t0, self.start = time.monotonic(), start
        if enabled and sys.stderr.isatty():
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self.bar = RichProgress(TextColumn("distill"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                    TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
            self.task = self.bar.add_task("distill", total=total, completed=start, info="")
            self.bar.start()

    def update(self, step: int, info: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(self.task, completed=step, info=info)
        elif step % self.every == 0 or step == self.total:
            rate = (time.monotonic() - self.t0) / max(1, step - self.start)
            eta = rate * (self.total - step)
            print(f"step {step}/{self.total}  {info}  eta {eta / 60:.1f} min", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
