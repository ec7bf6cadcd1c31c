"""A run's weights before its first step, kept with its trained model: what "before training" means in the
replay slider, the Filters scores and the Hierarchy probe after the project is opened again.

The Trainer attaches them to the model it builds (under `ATTRIBUTE`) when the model is small enough to copy at
no real cost (`LIMIT_PARAMETERS`; a bigger one is noted in the run's log instead); saving a run's model writes
them beside it as `<model>.initial.npz`, and loading the model attaches them again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

ATTRIBUTE = "_strata_initial_weights"
LIMIT_PARAMETERS = 20_000_000  # 80 MB of float32: one copy in memory and on disk


def keep_initial(model: Any) -> str:
    """Attach the model's current weights as its initial ones; returns a note when it is too big to."""
    count = int(model.count_params())
    if count > LIMIT_PARAMETERS:
        return (f"The weights before training are not kept: {count:,} parameters is over the "
                f"{LIMIT_PARAMETERS:,} kept for comparisons")
    setattr(model, ATTRIBUTE, [np.array(weight) for weight in model.get_weights()])
    return ""


def initial_weights(model: Any) -> list[np.ndarray] | None:
    return getattr(model, ATTRIBUTE, None)


def sidecar(model_path: Path) -> Path:
    model_path = Path(model_path)
    return model_path.with_name(model_path.name.removesuffix(".keras") + ".initial.npz")


def save_initial(model: Any, model_path: Path) -> Path | None:
    weights = initial_weights(model)
    if weights is None:
        return None
    path = sidecar(model_path)
    np.savez(path, *weights)
    return path


def load_initial(model: Any, model_path: Path) -> bool:
    """Attach the weights kept beside `model_path`, when they are there and fit the model (a file changed by hand
    or for another model is ignored: the comparisons it feeds are only an extra)."""
    path = sidecar(model_path)
    if not path.is_file():
        return False
    try:
        with np.load(path) as archive:
            weights = [archive[f"arr_{index}"] for index in range(len(archive.files))]
    except (OSError, ValueError, KeyError):
        return False
    shapes = [tuple(weight.shape) for weight in model.get_weights()]
    if [tuple(weight.shape) for weight in weights] != shapes:
        return False
    setattr(model, ATTRIBUTE, weights)
    return True


def model_with(model: Any, weights: list[np.ndarray]) -> Any:
    """A copy of `model`'s architecture holding `weights` (the model itself is left as it is)."""
    import keras

    from models.building.builder import BUILD_LOCK

    with BUILD_LOCK:  # a clone draws initial weights (replaced at once): never inside a seeded run's build
        copy = keras.models.clone_model(model)
    copy.set_weights(weights)
    return copy


def initial_model(model: Any) -> Any | None:
    """A copy of `model` with the weights it started from (None when they were not kept): the "before training"
    a comparison runs on."""
    weights = initial_weights(model)
    return None if weights is None else model_with(model, weights)
