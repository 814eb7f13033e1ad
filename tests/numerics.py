"""How the tests compare arrays (imported by name: the tests folder is on the path, not a package).
One definition each, so every test means the same thing by "close"."""
from __future__ import annotations

import numpy as np


def as_array(x) -> np.ndarray:
    """A numpy float64 copy of an array or a torch tensor."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def rel_err(actual, expected) -> float:
    """Largest absolute difference relative to the largest reference magnitude (shapes must match)."""
    a, e = as_array(actual), as_array(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    return float(np.abs(a - e).max() / max(np.abs(e).max(), 1e-12))


def assert_close(actual, expected, *, tol: float = 1e-4, name: str = "", floor: float = 1.0) -> float:
    """max|a - e| <= tol × max(floor, max|e|); returns the error for reporting. ``floor`` 1 makes
    ``tol`` absolute for outputs below 1 in magnitude; a tiny floor makes it relative throughout."""
    a, e = as_array(actual), as_array(expected)
    assert a.shape == e.shape, f"{name}: shape {a.shape} != {e.shape}"
    if e.size == 0:
        return 0.0
    err = float(np.abs(a - e).max())
    bound = tol * max(floor, float(np.abs(e).max()))
    assert err <= bound, f"{name}: max abs error {err:.3g} > {bound:.3g}"
    return err
