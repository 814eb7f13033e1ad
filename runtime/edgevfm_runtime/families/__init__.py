"""Runtime model families by the manifest's ``model.family``. Importing this package registers the
built-in ones (sam, dinov2, clip); a family living elsewhere registers itself the same way."""
from __future__ import annotations

from ..errors import BundleError
from .base import HostOp, RuntimeFamily, RunFn

FAMILIES: dict[str, RuntimeFamily] = {}


def register_family(cls: type[RuntimeFamily]) -> type[RuntimeFamily]:
    if cls.name in FAMILIES and type(FAMILIES[cls.name]) is not cls:
        raise ValueError(f"runtime model family {cls.name!r} is registered twice")
    from ..parity import add_metric

    for metric, (higher_is_better, explain) in cls.task_metric_info.items():
        add_metric(metric, higher_is_better, explain)
    FAMILIES[cls.name] = cls()
    return cls


def get_family(name: str) -> RuntimeFamily:
    if name not in FAMILIES:
        raise BundleError(f"unknown model family {name!r} in the manifest (this runtime knows: "
                          f"{', '.join(FAMILIES)}); a newer edgevfm-runtime may know it")
    return FAMILIES[name]


def host_ops() -> dict[str, HostOp]:
    """Every registered family's host ops by name."""
    return {name: op for f in FAMILIES.values() for name, op in f.host_ops.items()}


def family_of(source) -> RuntimeFamily:
    """The family of a bundle (or anything with a ``manifest``)."""
    return get_family(source.manifest["model"]["family"])


from . import clip as _clip  # noqa: E402,F401
from . import dinov2 as _dinov2  # noqa: E402,F401
from . import sam as _sam  # noqa: E402,F401

__all__ = ["FAMILIES", "HostOp", "RuntimeFamily", "RunFn", "family_of", "get_family", "host_ops", "register_family"]
