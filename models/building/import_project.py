"""A Keras model file -> a Strata project whose model carries the file's weights, ready to inspect, train on or
export. The weights travel the way a trained run's do: the project gets an "imported" run record, and the
Keras model Strata built (with the weights copied in) is that run's model, written beside the project at its
first save (`models/training/run_models.py`). Run it off the GUI thread: it loads TensorFlow and the weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.building.builder import build
from models.building.keras_import import ImportedModel, import_model, load_keras_file, transfer_weights
from models.checks.validate import validate
from models.formatting import count_text
from models.graph.project import Project, model_to_dict
from models.training.trainer import model_fingerprint

IMPORT_RUN_ID = "import-1"
IMPORTED = "imported"  # a run record's status: weights that came with the model, not from training here


@dataclass
class ImportedProject:
    project: Project
    model: Any  # the Keras model Strata built from the project, holding the imported weights
    record: dict[str, Any]  # the project's run record for those weights
    imported: ImportedModel

    def summary(self) -> str:
        """One line for the status bar and the terminal."""
        report = validate(self.project.spec)
        kept = len(self.imported.kept_as_keras)
        kept_text = f"; {kept} kept as Keras's own configuration" if kept else ""
        return (f"Imported {self.project.name}: {len(self.project.spec)} layers, "
                f"{count_text(report.total_params)} parameters{kept_text}")


def _first_dataset(spec) -> dict[str, Any]:
    """Data to try the model on at once: generated shapes of the model's image size and channels where they can be
    made (8 to 128 pixels), else the default; the Data panel says what does not fit, with a Fix."""
    shape = spec.nodes[spec.input_ids()[0]].params["shape"] if len(spec.input_ids()) == 1 else []
    if len(shape) == 3 and shape[0] == shape[1] and shape[-1] in (1, 3):
        options: dict[str, Any] = {"color": shape[-1] == 3}
        if shape[0] is not None and 8 <= shape[0] <= 128:
            options["size"] = shape[0]
        return {"source": "shapes", "options": options}
    return {"source": "shapes", "options": {}}


def import_keras_file(path: str | Path) -> ImportedProject:
    """The project for the Keras model in `path`; KerasImportError says why a file cannot come in."""
    path = Path(path)
    return project_from_keras(load_keras_file(path), f"Imported from {path.name}")


def project_from_application(name: str, weights: str | None = "imagenet", size: int | None = None,
                             classes: int = 1000) -> ImportedProject:
    """A Keras Applications network as a project (see `models.building.applications`); with ImageNet weights and
    classifier, the run keeps the ImageNet class names for the Predictions tab."""
    from models.building.applications import IMAGENET_CLASSES, application_model, imagenet_class_names

    model = application_model(name, weights, size, classes)
    source = "ImageNet" if weights == "imagenet" else "random"
    imported = project_from_keras(model, f"keras.applications.{name} with {source} weights")
    if weights == "imagenet" and classes == IMAGENET_CLASSES:
        names = imagenet_class_names()
        if names:
            imported.record["class_names"] = names
    return imported


def project_from_keras(model: Any, origin: str) -> ImportedProject:
    """The project for a Keras model in memory (a loaded file, a Keras Applications network)."""
    imported = import_model(model)
    spec = imported.spec
    built = build(spec).model
    transfer_weights(imported, built)
    project = Project(spec=spec, name=getattr(model, "name", "") or spec.name, description=origin + ".")
    project.dataset = _first_dataset(spec)
    record = {
        "id": IMPORT_RUN_ID, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "duration_s": 0.0, "device": "",
        "status": IMPORTED, "message": origin, "steps": 0, "epochs_done": 0, "config": {}, "dataset": {},
        "model_fingerprint": model_fingerprint(spec), "model": model_to_dict(spec), "history": {}, "final": {},
        "evaluation": None, "model_file": "",
    }
    project.runs.append(record)
    return ImportedProject(project, built, record, imported)
