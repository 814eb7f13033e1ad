"""Calibration images: folders, bad inputs, and the hold-out from parity images."""
import numpy as np
import pytest
from PIL import Image

from edgevfm.images import SAMPLE_PHOTOS
from edgevfm.quantize.calibration import CalibrationError, calibration_set, default_set, from_folder


def _photo(path, seed=0, size=(40, 30)):
    rgb = np.random.default_rng(seed).integers(0, 255, (*size, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return rgb


def test_folder_is_recursive_and_filters_extensions(tmp_path):
    for i, name in enumerate(["a.jpg", "sub/b.png", "sub/deeper/c.webp", "d.bmp"]):
        _photo(tmp_path / name, seed=i)
    (tmp_path / "notes.txt").write_text("not an image")
    cset = from_folder(tmp_path, minimum=4)
    assert [n.rsplit("/", 1)[-1] for n in cset.names] == ["a.jpg", "d.bmp", "b.png", "c.webp"]
    assert all(im.dtype == np.uint8 and im.shape == (40, 30, 3) for im in cset.images)
    assert cset.manifest()["count"] == 4


def test_empty_folder_names_what_it_looked_for(tmp_path):
    with pytest.raises(CalibrationError, match=r"no images found \(looked for .jpg, .jpeg, .png, .webp, .bmp"):
        from_folder(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(CalibrationError, match="not a folder"):
        from_folder(tmp_path / "nope")


def test_unreadable_files_are_skipped_with_a_warning(tmp_path):
    for i in range(4):
        _photo(tmp_path / f"ok{i}.png", seed=i)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 definitely not a jpeg")
    with pytest.warns(UserWarning, match="skipping calibration image: .*broken.jpg"):
        cset = from_folder(tmp_path, minimum=4)
    assert len(cset.images) == 4 and not any("broken" in n for n in cset.names)


def test_too_few_images_after_skipping(tmp_path):
    _photo(tmp_path / "one.png")
    (tmp_path / "bad.png").write_bytes(b"garbage")
    with pytest.warns(UserWarning), pytest.raises(CalibrationError, match=r"1 usable calibration image\(s\), at least 4"):
        from_folder(tmp_path, minimum=4)


def test_overlap_with_parity_images_is_refused(tmp_path):
    for i in range(4):
        _photo(tmp_path / f"p{i}.png", seed=i)
    with pytest.raises(CalibrationError, match="calibration and parity images overlap .*p2.png"):
        from_folder(tmp_path, eval_specs=[str(tmp_path / "p2.png")])


def test_default_set_holds_out_parity_images():
    cset = default_set(eval_specs=["chelsea", "coffee"], minimum=4)
    assert cset.source == "skimage-samples"
    assert "chelsea" not in cset.names and "coffee" not in cset.names
    assert set(cset.names) == set(SAMPLE_PHOTOS) - {"chelsea", "coffee"}


def test_default_set_minimum_and_limit():
    assert len(default_set(eval_specs=["chelsea"], minimum=1, limit=2).images) == 2
    with pytest.raises(CalibrationError, match="at least 7 needed"):
        calibration_set(None, eval_specs=["chelsea"], minimum=7)
