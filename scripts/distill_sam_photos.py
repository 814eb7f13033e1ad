"""Write scikit-image's sample photos as the CPU-scale SAM distillation data set.

train/: astronaut, rocket, immunohistochemistry, retina, hubble_deep_field
held/:  chelsea, coffee (never trained on; used only for the student-vs-teacher mask IoU)

    python scripts/distill_sam_photos.py OUT_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path

TRAIN = ("astronaut", "rocket", "immunohistochemistry", "retina", "hubble_deep_field")
HELD = ("chelsea", "coffee")


def main(out: str) -> None:
    from PIL import Image

    from edgevfm.images import sample_photo

    for sub, names in (("train", TRAIN), ("held", HELD)):
        (Path(out) / sub).mkdir(parents=True, exist_ok=True)
        for n in names:
            Image.fromarray(sample_photo(n)).save(Path(out) / sub / f"{n}.png")


if __name__ == "__main__":
    main(sys.argv[1])
