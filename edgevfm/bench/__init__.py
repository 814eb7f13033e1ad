"""`edgevfm bench`: the runtime's interleaved benchmark plus what only the toolkit can add — baseline
rows (PyTorch eager, a plain ``torch.onnx.export``), exporting to every preset, suites.

Importing this package is light (no torch): the memory probe imports :mod:`edgevfm.bench.kinds`
in a fresh process, and the framework it loads must count toward the contender's memory.
"""
