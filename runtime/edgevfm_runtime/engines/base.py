"""The engine interface: an Engine opens a model file as a Session that runs named numpy feeds."""
from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from ..errors import BundleError, EdgeVFMError, EngineUnavailable, ProfilingUnavailable
from .verified import VerifiedModel


class Session:
    """One loaded model. ``engine`` names what actually runs it (engine/provider)."""

    engine: str = "?"
    input_names: list[str]
    output_names: list[str]

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def profile(self, feed: Mapping[str, np.ndarray]) -> dict[str, float]:
        """Where one run of ``feed`` spends its time: milliseconds per op type (as the engine names its
        executed ops and kernels), from the engine's own profiler. Engines without one raise
        :class:`ProfilingUnavailable`; the session itself is left as it was (no profiling overhead)."""
        raise ProfilingUnavailable(f"{self.engine}: this engine has no per-op profiler in edgevfm")


def batch_of_ones(feed: Mapping[str, np.ndarray], leading: Mapping[str, object]) -> int:
    """B when the model fixes every input's leading dim to 1 (``leading``: name -> first dim) and the
    feed brings the same B > 1 for all of them, else 0: such a batch runs item by item."""
    if not leading or any(d != 1 for d in leading.values()):
        return 0
    sizes = {np.shape(feed[n])[0] if np.ndim(feed[n]) else 1 for n in leading}
    b = sizes.pop() if len(sizes) == 1 else 0
    return b if b > 1 else 0


def run_items(session: Session, feed: Mapping[str, np.ndarray], batch: int) -> dict[str, np.ndarray]:
    """``session.run`` on each of ``batch`` items of ``feed``, outputs concatenated on axis 0."""
    parts = [session.run({k: np.asarray(v)[i:i + 1] for k, v in feed.items() if k in session.input_names})
             for i in range(batch)]
    return {k: np.concatenate([p[k] for p in parts]) for k in session.output_names}


@dataclass(frozen=True)
class Engine:
    """An engine entry: how to check it is installed and how to open a file with it."""

    name: str
    pip: str  # the install line that makes it available
    probe: Callable[[], str | None]  # None when usable, else the reason it is not
    open: Callable[..., Session]
    aliases: tuple[str, ...] = field(default=())
    # other engine -> options this engine needs to stand in for it on that engine's model files
    stand_in: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    # Opens a VerifiedModel from its bytes, never touching the file system; returns None for a model it
    # can only open from a path. Unset: the engine always gets a private copy (see engines/verified.py).
    open_bytes: Callable[..., Session | None] | None = None

    def unavailable_reason(self) -> str | None:
        return self.probe()

    def session(self, path: str | Path, **options) -> Session:
        """Open a model file by path (files the caller made itself; bundles use :meth:`session_verified`)."""
        return self._guarded(Path(path), options, lambda: self.open(Path(path), **options))

    def session_verified(self, model: VerifiedModel, **options) -> Session:
        """Open a bundle component from the bytes that were verified, so a file swapped after the check
        is never what runs: from memory where the engine can, else from a private copy of those bytes."""
        def load():
            sess = self.open_bytes(model, **options) if self.open_bytes is not None else None
            if sess is None:
                with model.private_copy() as path:
                    sess = self.open(path, **options)
            return sess

        return self._guarded(model.path, options, load)

    def _guarded(self, path: Path, options: dict, load: Callable[[], Session]) -> Session:
        reason = self.probe()
        if reason:
            raise EngineUnavailable(f"engine {self.name!r} is unavailable: {reason}; install it with `{self.pip}`")
        try:
            return load()
        except EdgeVFMError:
            raise
        except TypeError as exc:  # an engine option this engine does not take
            if "argument" not in str(exc):
                raise _load_error(self.name, path, exc) from exc
            raise BundleError(f"engine_options {sorted(options)} for {Path(path).name}: {self.name} does not take "
                              f"them ({exc}); fix the manifest's engine_options") from exc
        except Exception as exc:  # noqa: BLE001 - engines raise their own types for unreadable models
            raise _load_error(self.name, path, exc) from exc


def _load_error(engine: str, path, exc: Exception) -> BundleError:
    """A model file the engine cannot load (truncated, swapped, garbage) as one line naming the file."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return BundleError(f"{engine} cannot load {path} ({type(exc).__name__}: {first}); the model file is "
                       "damaged or not for this engine — re-export the bundle")


def module_probe(module: str, package: str) -> Callable[[], str | None]:
    """A probe that reports ``package`` as missing when ``module`` cannot be imported."""

    def probe() -> str | None:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return f"{package} is not installed ({exc})"
        return None

    return probe


ENGINES: dict[str, Engine] = {}


def register_engine(engine: Engine) -> Engine:
    for key in (engine.name, *engine.aliases):
        ENGINES[key] = engine
    return engine


def get_engine(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        close = difflib.get_close_matches(name, ENGINES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise EngineUnavailable(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))}){hint}") from None
