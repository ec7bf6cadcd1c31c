"""models/ and datasets/ must never import Qt: the CLI, a headless trainer and these tests depend on it."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
import models, datasets
imported = []
for package in (models, datasets):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
forbidden = sorted(n for n in sys.modules if n.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph", "gui"})
print(json.dumps({"imported": imported, "forbidden": forbidden}))
"""


def test_models_and_datasets_import_without_qt():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "models.runtime" in report["imported"], "the probe must really walk the packages"
    assert report["forbidden"] == [], f"Qt-free packages pulled in: {report['forbidden']}"
