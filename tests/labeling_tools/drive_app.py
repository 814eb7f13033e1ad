"""Runs inside a labeling tool's own venv (never imported by the suite): loads a bundle's
``xanylabeling_config.yaml`` the way the app's "load custom model" does, clicks, and saves the mask the
app turns into polygons.

    python drive_app.py xanylabeling|anylabeling CONFIG IMAGE CLICKS_JSON OUT_NPZ

CLICKS_JSON: a list of click sets, each a list of [x, y, label]. OUT_NPZ gets mask_<i> per set."""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def model_class(app: str, model_type: str):
    if app == "xanylabeling":  # X-AnyLabeling: model_manager's type → class table
        from anylabeling.services.auto_labeling.model_manager import _get_model_class

        return _get_model_class(model_type)
    # AnyLabeling: the registry its model_manager reads
    import importlib

    from anylabeling.services.auto_labeling.registry import ModelRegistry

    importlib.import_module("anylabeling.services.auto_labeling.segment_anything")  # registers the type

    return ModelRegistry.get(model_type)


def app_settings(app: str) -> None:
    """X-AnyLabeling's main() points its settings at ~/.xanylabelingrc before any model loads."""
    if app == "xanylabeling":
        from anylabeling import config as app_config

        app_config.current_config_file = os.path.join(app_config.get_work_directory(), ".xanylabelingrc")
        app_config.get_config(app_config.current_config_file, {})


def read_config(app: str, path: str) -> dict:
    import yaml

    if app == "xanylabeling":
        from anylabeling.services.auto_labeling.model import load_model_config

        with open(path, encoding="utf-8") as f:
            cfg = load_model_config(f)
    else:
        with open(path, encoding="utf-8-sig") as f:
            cfg = yaml.safe_load(f)
    cfg["config_file"] = os.path.abspath(path)  # as load_custom_model sets it
    return cfg


def main(app: str, config: str, image: str, clicks_json: str, out: str) -> None:
    import numpy as np
    from PyQt6.QtGui import QImage
    from PyQt6.QtWidgets import QApplication

    app_instance = QApplication.instance() or QApplication([])  # the app owns one while models run
    app_settings(app)
    cfg = read_config(app, config)
    messages = []
    model = model_class(app, cfg["type"])(cfg, on_message=messages.append)
    seen = []
    original = model.post_process

    def capture(masks, *args, **kwargs):
        m = np.asarray(masks)
        while m.ndim > 2:
            m = m[0]
        seen.append(np.array(m, dtype=np.float32, copy=True))
        return original(masks, *args, **kwargs)

    model.post_process = capture
    qimage = QImage(image)
    if qimage.isNull():
        raise SystemExit(f"Qt could not read {image}")
    results = {}
    for i, clicks in enumerate(json.loads(clicks_json)):
        model.set_auto_labeling_marks([{"type": "point", "data": [x, y], "label": lab} for x, y, lab in clicks])
        before = len(seen)
        result = model.predict_shapes(qimage, image)
        if len(seen) == before:  # the app swallowed an error: no mask reached post_process
            raise SystemExit(f"{app}: no mask for click set {i} (the app logged the error above)")
        results[f"mask_{i}"] = seen[-1]
        results[f"shapes_{i}"] = np.array(len(result.shapes))
    np.savez(out, **results)
    app_instance.processEvents()
    print(json.dumps({"app": app, "sets": len(results) // 2, "messages": [str(m) for m in messages]}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
