"""min_mask_region_area: the runtime's numpy 8-connected labelling and small-region removal against
OpenCV's connectedComponentsWithStats and the official ``remove_small_regions`` (which uses cv2)."""
import numpy as np
import pytest

from edgevfm_runtime.sam import amg_ops as A
from edgevfm_runtime.sam.components import label8

cv2 = pytest.importorskip("cv2", reason="the official small-region removal needs opencv-python-headless (test extra)")


def _masks(n=80, seed=0):
    """Noise at several densities, blobs with holes, snakes (long components), empty and full masks."""
    rng = np.random.default_rng(seed)
    yield np.zeros((7, 9), bool)
    yield np.ones((5, 4), bool)
    yield np.eye(12, dtype=bool) | np.eye(12, dtype=bool)[::-1]  # diagonals: 8- but not 4-connected
    snake = np.zeros((21, 21), bool)
    snake[::4] = True
    snake[1::8, -1] = snake[3::8, -1] = snake[5::8, 0] = snake[7::8, 0] = True
    yield snake
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        m = rng.random((h, w)) < rng.uniform(0.05, 0.95)
        if rng.random() < 0.5:  # smoothed: larger blobs with holes and islands
            k = rng.random((h + 4, w + 4))
            m = (k[:-4, :-4] + k[2:-2, 2:-2] + k[4:, 4:]) > rng.uniform(1.0, 2.0)
        yield m


def test_label8_equals_opencv():
    for m in _masks():
        n, ref = cv2.connectedComponents(m.astype(np.uint8), connectivity=8)
        got, sizes = label8(m)
        assert len(sizes) == n - 1
        assert np.array_equal(got, ref), m.shape  # same partition and the same numbering
        assert np.array_equal(sizes, np.bincount(ref.ravel(), minlength=n)[1:])


@pytest.mark.parametrize("mode", ["holes", "islands"])
def test_remove_small_regions_equals_official(mode):
    from reference.shims import import_official

    amg = import_official("mobile_sam", "utils.amg").utils.amg
    for i, m in enumerate(_masks(seed=1)):
        for thresh in (1, 3, 10, 100, 10_000):
            want, want_changed = amg.remove_small_regions(m, thresh, mode)
            got, changed = A.remove_small_regions(m, thresh, mode)
            assert changed == want_changed and np.array_equal(got, want), (i, thresh, mode)
