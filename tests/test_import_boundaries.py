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


QT = ("PySide6", "shiboken6", "pyqtgraph")
CONTRACTS = {  # package: the top-level packages its modules may never import, even lazily inside a function
    "datasets": ("models", "gui", *QT),  # the lowest layer
    "models": ("gui", *QT),  # Qt-free: the CLI and a headless trainer use it
}


def violations(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    """'path:line: import name' for every import of a forbidden package in the modules under `folder`, read from
    the source (AST), so an import inside a function or behind a condition cannot hide."""
    import ast

    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.relative_to(folder.parent)}:{node.lineno}: import {name}" for name in names
                      if name.split(".")[0] in forbidden]
    return found


def test_each_layer_imports_only_what_is_below_it():
    broken = {package: violations(ROOT / package, forbidden) for package, forbidden in CONTRACTS.items()}
    assert broken == {package: [] for package in CONTRACTS}


def test_the_contract_check_names_a_planted_violation(tmp_path):
    package = tmp_path / "datasets"
    package.mkdir()
    (package / "clean.py").write_text("import numpy\nfrom datasets.base import Dataset\n")
    (package / "sneaky.py").write_text("import os\n\n\ndef later():\n    from models.graph.spec import ModelSpec\n"
                                       "    import PySide6.QtCore\n    return ModelSpec\n")
    assert violations(package, CONTRACTS["datasets"]) == [
        "datasets/sneaky.py:5: import models.graph.spec", "datasets/sneaky.py:6: import PySide6.QtCore"]


FEATURES = ("editor", "data", "training", "inspection", "dialogs")
FEATURE_EXCEPTIONS = {"dialogs": ("editor",)}  # File > New previews a template on the editor's own canvas


def feature_violations(gui: Path) -> list[str]:
    """A feature package of gui/ imports the shell (modules at gui's root), gui.widgets and itself: another
    feature only through the shell (the document, the session), never directly."""
    found = []
    for feature in FEATURES:
        allowed = {feature, *FEATURE_EXCEPTIONS.get(feature, ())}
        others = tuple(f"gui.{other}" for other in FEATURES if other not in allowed)
        found += [line for line in violations(gui / feature, ("gui",))
                  if line.split("import ")[-1].startswith(others)]
    return found


def test_gui_features_import_each_other_only_through_the_shell():
    assert feature_violations(ROOT / "gui") == []


def test_the_feature_check_names_a_planted_violation(tmp_path):
    for feature in FEATURES:
        (tmp_path / feature).mkdir()
    (tmp_path / "data" / "panel.py").write_text("from gui.session import Session\n"
                                                "from gui.widgets.colors import SERIES\n"
                                                "from gui.training.panel import TrainingPanel\n")
    assert feature_violations(tmp_path) == ["data/panel.py:3: import gui.training.panel"]
