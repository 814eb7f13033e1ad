"""`run -o`: the output file is checked (kind by extension, folder exists and is writable) before
any inference, so a typo costs nothing."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import InputError



def check_output(family: str, suffix: str | None, output: str | None) -> None:
    """``suffix``: the file kind the family's `run` writes (``RuntimeFamily.run_output_suffix``)."""
    if output is None:
        return
    if suffix is None:
        raise InputError(f"`run` on a {family} bundle prints its result and writes no file; drop -o {output}")
    p = Path(output)
    if p.suffix.lower() != suffix:
        raise InputError(f"-o {p}: a {family} bundle writes a {suffix} file; give a name ending in {suffix}")
    if p.is_dir():
        raise InputError(f"-o {p} is a folder; give a file name ending in {suffix}")
    parent = p.parent
    if not parent.is_dir():
        raise InputError(f"-o {p}: the folder {parent} does not exist (or is not a folder); create it first")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise InputError(f"-o {p}: cannot write in {parent} ({exc.strerror or exc})") from None
