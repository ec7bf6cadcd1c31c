"""Trained models out of Strata: the `.keras` file, a TensorFlow SavedModel for serving, a TFLite file for
phones and microcontrollers. Run these off the GUI thread: each one traces or writes the whole model."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from datasets.file_checks import file_problem
from models.atomic_write import atomic_path


def save_keras(model: Any, path: Path, with_initial: bool = False) -> Path:
    """Keras's own format (architecture, weights, optimizer state); `keras.models.load_model` reads it back,
    Strata's custom layers included (they are registered serializable). Written atomically: an interrupted
    save leaves the previous file. `with_initial`: a run's model also writes its weights before training
    beside it (models.training.initial_weights), when it has them."""
    path = Path(path)
    if path.suffix != ".keras":
        path = path.with_suffix(".keras")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        model.save(temp)
    if with_initial:
        from models.training.initial_weights import save_initial

        save_initial(model, path)
    return path


def load_keras(path: Path) -> Any:
    import keras

    import models.building.custom_layers  # noqa: F401  (registers Strata's layers for deserialisation)
    from models.training.initial_weights import load_initial

    problem = file_problem(path, "model")
    if problem:
        raise OSError(problem)
    from models.building.builder import BUILD_LOCK

    with BUILD_LOCK:  # its layers draw initial weights before the file's replace them: not a seeded run's draws
        model = keras.models.load_model(Path(path))
    load_initial(model, Path(path))  # a run's weights before training, when they were kept beside it
    return model


def copy_model(model: Any) -> Any:
    """An independent copy with the weights and the optimizer state (through Keras's own file format), so
    training the copy leaves the original as it was."""
    with tempfile.TemporaryDirectory(prefix="strata-copy-") as folder:
        return load_keras(save_keras(model, Path(folder) / "copy.keras"))


def export_saved_model(model: Any, folder: Path) -> Path:
    """`model.export`: a SavedModel with a `serve` endpoint (TF Serving, TF.js and TFLite converters read it)."""
    folder = Path(folder)
    model.export(str(folder), format="tf_saved_model", verbose=False)
    return folder


def export_tflite(model: Any, path: Path) -> Path:
    """Convert through a temporary SavedModel (the route TensorFlow documents for Keras 3 models)."""
    import tensorflow as tf

    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="strata-tflite-") as folder:
        export_saved_model(model, Path(folder) / "saved")
        converter = tf.lite.TFLiteConverter.from_saved_model(str(Path(folder) / "saved"))
        path.write_bytes(converter.convert())
    return path
