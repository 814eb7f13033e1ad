"""Write the input-sensitive MobileSAM checkpoint the tests generate (tests/reference/sam.py: the
official ``vit_t`` with seeded perturbed weights and the image encoder's weight matrices ×2) to a file,
as a distillation teacher whose embedding depends on the photo (``random:0`` nearly ignores it).

    PYTHONPATH=.:runtime:tests python scripts/sensitive_mobilesam.py OUT.pt

The file's sha256 (the teacher id a distillation run records) depends on its name too: torch.save
names the zip archive's folder after the file, so ``mobilesam_gain2.pt`` gives e8c7f603f3a2fc58….
"""
from __future__ import annotations

import hashlib
import sys


def main(out: str) -> None:
    import torch
    from reference import sam  # tests/reference: needs the official mobile_sam code (mobilesam-mirror)

    torch.save(sam.state_dict(), out)
    print(out, hashlib.sha256(open(out, "rb").read()).hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
