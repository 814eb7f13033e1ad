"""Long set-up steps started in the background as soon as the run knows it needs them, so that they overlap
with tests that leave a core idle (most Python-side steps use one of the two): the labeling tools' venvs
(pip: mostly network) and the C++ runtime's builds (the compiler, at low priority so the tests keep the
CPU). The fixture that needs one waits for it and reports its failure as the fixture would have.

A conftest starts a step from ``pytest_collection_finish`` when a selected test uses its fixture; a run
that selects none of them starts nothing. ``EDGEVFM_NO_BACKGROUND=1`` runs every step in its fixture."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field

NICE = 10


@dataclass
class Step:
    """Commands run one after the other (stopping at the first failure)."""

    commands: list[list[str]]
    env: dict[str, str] | None = None
    timeout: float | None = None  # seconds per command
    results: list[subprocess.CompletedProcess] = field(default_factory=list)
    thread: threading.Thread | None = None
    running: subprocess.Popen | None = None


_STEPS: dict[str, Step] = {}


def enabled() -> bool:
    return os.environ.get("EDGEVFM_NO_BACKGROUND") != "1"


def _run(step: Step, after: str | None) -> None:
    if after in _STEPS:
        _STEPS[after].thread.join()
    for cmd in step.commands:
        # nice: the foreground tests take the CPU whenever they want it; the step fills what they leave
        try:
            proc = step.running = subprocess.Popen(["nice", "-n", str(NICE), *cmd], stdout=subprocess.PIPE,
                                                   stderr=subprocess.PIPE, text=True, env=step.env,
                                                   start_new_session=True)
        except OSError as e:
            step.results.append(subprocess.CompletedProcess(cmd, -1, "", f"could not start: {e}"))
            return
        try:
            out, err = proc.communicate(timeout=step.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            err += f"\n(killed after {step.timeout:.0f} s)"
        step.results.append(subprocess.CompletedProcess(cmd, proc.returncode, out, err))
        if proc.returncode != 0:
            return


def start(name: str, commands: list[list[str]], *, after: str | None = None, env: dict[str, str] | None = None,
          timeout: float | None = None) -> None:
    """Start ``name`` once (a second call is a no-op), after the step ``after`` where one is given (two
    builds one after the other, not sharing the idle core)."""
    if name in _STEPS or not enabled():
        return
    step = _STEPS[name] = Step(commands, env, timeout)
    step.thread = threading.Thread(target=_run, args=(step, after), name=f"background {name}", daemon=True)
    step.thread.start()


def wait(name: str) -> list[subprocess.CompletedProcess] | None:
    """The finished step's processes (the last one is the failure, if any), or None if it was never started."""
    step = _STEPS.get(name)
    if step is None:
        return None
    step.thread.join()
    return step.results


def uses(session, fixture: str) -> bool:
    """Whether any selected test needs ``fixture``."""
    return any(fixture in getattr(item, "fixturenames", ()) for item in session.items)


def stop_all() -> None:
    """End of the session: kill what still runs (with its children: a build's compilers)."""
    for step in _STEPS.values():
        if step.running is not None and step.running.poll() is None:
            os.killpg(step.running.pid, signal.SIGTERM)
