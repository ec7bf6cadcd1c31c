"""`python main.py inspect PROJECT INPUT -o OUT.npz [--layers a,b]`: every layer's output for one input, with the
project's latest trained or imported weights, as the Inspection panel computes them (keys are layer ids;
attention scores as `<id>__scores`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import numpy as np


def inspect_command(project_path: Path, input_path: Path, output: Path, layers: list[str] | None = None,
                    out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from datasets.base import DatasetError
    from models.graph.project import Project, ProjectError
    from models.inspection.probe import InspectionError

    try:
        project = Project.load(project_path)
        model, source = _model(project, project_path)
        sample = _sample(input_path, model)
        from models.inspection.probe import SCORES_SUFFIX, Probe, batch_for, save_activations

        batch_for(model, sample)  # says plainly when the input does not fit the model
        outputs = Probe(model)(sample)
        if layers:
            unknown = [name for name in layers if name not in outputs]
            if unknown:
                raise InspectionError(f"the model has no layer '{unknown[0]}'; its layers are "
                                      f"{', '.join(k for k in outputs if SCORES_SUFFIX not in k)}")
            outputs = {k: v for k, v in outputs.items() if k.removesuffix(SCORES_SUFFIX) in layers}
        written = save_activations(output, outputs)
    except (ProjectError, DatasetError, InspectionError, OSError) as error:
        print(f"strata inspect: {error}", file=err)
        return 1
    print(f"{len(outputs)} layer output(s) of {input_path.name} through the {source} -> {written}", file=out)
    return 0


def _model(project, project_path: Path):
    """The latest run's saved model (trained or imported), else the model built with random weights."""
    from models.training.run_models import run_model_path

    runs = [r for r in project.runs if isinstance(r, dict)]
    path = run_model_path(project_path, runs[-1].get("model_file")) if runs else None
    if path is not None:
        from models.building.export import load_keras

        return load_keras(path), f"{runs[-1].get('status', 'trained')} weights of {runs[-1].get('id')}"
    from models.building.builder import build

    return build(project.spec).model, "model with random weights (no trained or imported weights are saved)"


def _sample(path: Path, model) -> np.ndarray:
    """A `.npy` array used as it is; an image prepared for the model's input (resized, converted, 0..1)."""
    from datasets.base import DatasetError
    from models.inspection.inputs import from_file
    from models.inspection.probe import single_input

    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise DatasetError(f"{path.name} is not a NumPy array file: {error}") from None
    return from_file(path, tuple(single_input(model).shape[1:]), None).sample
