"""Third-party log noise off the command's output unless ``--verbose``: TensorFlow/absl C++ logs
(oneDNN notices), and Python warnings and log records from the converters (torchao, torch's pytree,
ONNX/TF deprecations). Our own warnings (module ``edgevfm*``) still show."""
from __future__ import annotations

import logging
import os
import warnings

_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ INFO/WARNING lines (oneDNN notice included)
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "2",
    "ABSL_MIN_LOG_LEVEL": "3",
}


def quiet_third_party() -> None:
    """Must run before the converters are imported (the C++ logs read the environment at load)."""
    for key, value in _ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"edgevfm")  # inserted first: ours win
    for name in ("absl", "tensorflow", "torch", "torchao", "jax", "onnxscript", "nncf", "coremltools", "executorch"):
        logging.getLogger(name).setLevel(logging.ERROR)
