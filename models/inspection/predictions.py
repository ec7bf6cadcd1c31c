"""A classifier's output read as class probabilities: the top-k list and the class count."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras


def class_probabilities(output: np.ndarray) -> np.ndarray:
    """A classifier's output as probabilities: softmax outputs as they are, logits through softmax, one sigmoid
    unit as [1 - p, p]."""
    output = np.asarray(output, dtype=np.float64).ravel()
    if output.size == 1:
        p = float(output[0])
        if not 0.0 <= p <= 1.0:
            p = 1 / (1 + math.exp(-p))
        return np.array([1 - p, p])
    if output.min() >= 0 and abs(output.sum() - 1) < 1e-3:
        return output
    shifted = np.exp(output - output.max())
    return shifted / shifted.sum()


def top_k(output: np.ndarray, class_names: list[str], k: int = 5) -> list[tuple[str, float]]:
    """[(class name, probability)], most likely first."""
    probabilities = class_probabilities(output)
    names = class_names if len(class_names) == len(probabilities) else [f"class {i}" for i in range(len(probabilities))]
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(names[i], float(probabilities[i])) for i in order]


def class_count(model: keras.Model) -> int:
    """Classes of a one-vector classifier output (a single sigmoid unit counts as two)."""
    units = int(model.outputs[0].shape[-1] or 1)
    return 2 if units == 1 else units
