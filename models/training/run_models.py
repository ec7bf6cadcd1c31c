"""Trained models of a project's runs, written beside the project file by its save.

A run's model lives in memory until the project is saved; the save then writes it to
`<project stem>-models/<run id>.keras` and records that path (relative to the project) in the run. Saving
under a new name copies the models already written for the old name, so the new project is complete on
its own. Run this off the GUI thread: writing a model serialises all its weights.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from models.building.export import save_keras
from models.training.initial_weights import sidecar


def models_folder(project_path: Path) -> Path:
    """`<folder>/<stem>-models` for `<folder>/<stem>.strata.json` (`mnist.v2.strata.json`: `mnist.v2-models`,
    apart from `mnist.strata.json`'s)."""
    project_path = Path(project_path)
    stem = project_path.name.removesuffix(".json").removesuffix(".strata")
    return project_path.parent / f"{stem}-models"


def write_run_models(project_path: Path, runs: list[dict[str, Any]], unsaved: dict[str, Any],
                     previous_path: Path | None = None) -> dict[str, str]:
    """Write the `unsaved` models ({run id: Keras model}) and carry models of `previous_path` along; returns
    {run id: model file relative to the project} for every run whose model is now beside `project_path`.
    Raises OSError when a file cannot be written (nothing is recorded for that run)."""
    project_path = Path(project_path)
    folder = models_folder(project_path)
    written: dict[str, str] = {}
    for record in runs:
        run_id = str(record.get("id", ""))
        if not run_id:
            continue
        target = folder / f"{run_id}.keras"
        if run_id in unsaved:
            save_keras(unsaved[run_id], target, with_initial=True)
        else:
            source = run_model_path(previous_path, record.get("model_file"))
            if source is None:
                continue
            if source.resolve() != target.resolve():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
                if sidecar(source).is_file():  # its weights before training go with it
                    shutil.copy2(sidecar(source), sidecar(target))
        written[run_id] = target.relative_to(project_path.parent).as_posix()
    return written


def run_model_path(project_path: Path | None, model_file: Any) -> Path | None:
    """The run's model file if it is a `.keras` file inside the project's folder; else None. A project file is
    data from anywhere: its `model_file` must not make Strata open `../../etc/passwd` as a model."""
    if project_path is None or not isinstance(model_file, str) or not model_file or len(model_file) > 4096:
        return None
    folder = Path(project_path).resolve().parent
    try:
        path = (folder / model_file).resolve()
    except (OSError, ValueError):  # a NUL byte, a loop of links
        return None
    if path.suffix != ".keras" or not path.is_relative_to(folder) or not path.is_file():
        return None
    return path
