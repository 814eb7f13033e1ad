"""What `run` does for the built-in families (each family's ``run`` in ``families/`` calls in here)."""
