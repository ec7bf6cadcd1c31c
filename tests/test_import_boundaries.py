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


def test_datasets_is_the_lowest_layer_and_imports_nothing_of_models():
    """Read the AST, so a lazy import inside a function cannot hide an arrow back up."""
    import ast
    from pathlib import Path

    arrows = []
    for path in sorted((Path(__file__).resolve().parent.parent / "datasets").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            arrows += [f"{path.name}: {name}" for name in names if name == "models" or name.startswith("models.")]
    assert arrows == []
