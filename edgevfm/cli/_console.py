"""The rich console every `edgevfm` command prints through."""
from __future__ import annotations

import sys


def console():
    from rich.console import Console

    # Piped output (CI logs, files) gets a wide fixed width so tables are not truncated.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)
