"""Golden references reproduced from the official code (PyPI packages, see ``pyproject.toml``'s test extra),
so the tests are complete without ``../shared/golden``. One module per family writes the files
``../shared/golden/README.md`` describes; ``cache.generated_dir()`` builds them once per machine."""
