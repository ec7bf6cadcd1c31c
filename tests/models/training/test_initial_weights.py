"""A run keeps the weights it started from: attached to its model by the Trainer, written beside the model file
when the run is saved, read back with it, carried along when the project moves, and skipped (with a note) for a
model over the size limit."""

from __future__ import annotations

import numpy as np

from datasets.registry import load_dataset
from models.building.builder import build
from models.building.export import load_keras, save_keras
from models.lessons.experiments import DEEP, SPIRALS, mlp
from models.training import initial_weights as kept
from models.training.config import TrainingConfig
from models.training.run_models import write_run_models
from models.training.trainer import Reporter, Trainer


class Notes(Reporter):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def on_message(self, text: str) -> None:
        self.notes.append(text)


def train(epochs: int = 2, reporter: Reporter | None = None):
    spec = mlp(DEEP, "deep")
    data = load_dataset({**SPIRALS, "options": {**SPIRALS["options"], "samples": 200}})
    return spec, Trainer(spec, data, TrainingConfig(epochs=epochs, batch_size=32, seed=3), reporter).run()


def test_the_weights_before_training_are_the_seeded_build_and_travel_with_the_saved_model(tmp_path):
    import keras

    spec, result = train()
    initial = kept.initial_weights(result.model)
    keras.utils.set_random_seed(3)
    fresh = build(spec).model
    assert all(np.array_equal(a, b) for a, b in zip(initial, fresh.get_weights(), strict=True))
    assert not all(np.allclose(a, b) for a, b in zip(initial, result.model.get_weights(), strict=True))
    path = save_keras(result.model, tmp_path / "run-1.keras", with_initial=True)
    assert kept.sidecar(path).name == "run-1.initial.npz" and kept.sidecar(path).is_file()
    again = load_keras(path)
    assert all(np.array_equal(a, b) for a, b in zip(kept.initial_weights(again), initial, strict=True))
    exported = save_keras(result.model, tmp_path / "export.keras")  # an export is the model alone
    assert not kept.sidecar(exported).exists() and kept.initial_weights(load_keras(exported)) is None


def test_a_moved_project_takes_the_initial_weights_along_and_a_foreign_file_is_ignored(tmp_path):
    _spec, result = train(epochs=1)
    old = tmp_path / "old" / "p.strata.json"
    old.parent.mkdir()
    runs = [{"id": "run-1"}]
    written = write_run_models(old, runs, {"run-1": result.model})
    runs[0]["model_file"] = written["run-1"]
    moved = tmp_path / "new" / "q.strata.json"
    moved.parent.mkdir()
    again = write_run_models(moved, runs, {}, old)
    model_path = moved.parent / again["run-1"]
    assert kept.sidecar(model_path).is_file()
    np.savez(kept.sidecar(model_path), np.zeros(3))  # weights of some other model
    assert kept.initial_weights(load_keras(model_path)) is None


def test_a_model_over_the_limit_keeps_nothing_and_says_so(monkeypatch):
    monkeypatch.setattr(kept, "LIMIT_PARAMETERS", 10)
    notes = Notes()
    _spec, result = train(epochs=1, reporter=notes)
    assert kept.initial_weights(result.model) is None
    assert any("not kept" in note and "626 parameters" in note for note in notes.notes)
