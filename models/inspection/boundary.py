"""The decision boundary of a model over the plane: class probabilities on a grid around the 2-D toy data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras


@dataclass
class Boundary:
    """Class probabilities over a grid of the input plane: `probabilities` is (rows, cols, classes)."""

    probabilities: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def plane_ranges(points: np.ndarray, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin + 1e-6
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def boundary_grid(x_range, y_range, resolution: int = 96) -> np.ndarray:
    """(resolution * resolution, 2) points, row-major from the bottom-left (y grows with the row)."""
    xs = np.linspace(*x_range, resolution, dtype=np.float32)
    ys = np.linspace(*y_range, resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def decision_boundary(predict, x_range, y_range, resolution: int = 96) -> Boundary:
    """`predict(points (N, 2)) -> outputs (N, classes or 1)` over the plane; a sigmoid output becomes 2 classes."""
    outputs = np.asarray(predict(boundary_grid(x_range, y_range, resolution)), dtype=np.float32)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] == 1:
        p = outputs[:, 0] if outputs.min() >= 0 and outputs.max() <= 1 else 1 / (1 + np.exp(-outputs[:, 0]))
        outputs = np.stack([1 - p, p], axis=1)
    elif outputs.min() < 0 or np.abs(outputs.sum(axis=1) - 1).max() > 1e-3:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        outputs = shifted / shifted.sum(axis=1, keepdims=True)
    return Boundary(outputs.reshape(resolution, resolution, -1), tuple(x_range), tuple(y_range))


def takes_plane(model: keras.Model) -> bool:
    """True for a model whose input is one point of the plane (2 numbers), as the 2-D toy datasets."""
    return len(model.inputs) == 1 and tuple(model.inputs[0].shape[1:]) == (2,)


def model_predictor(model: keras.Model, compiled: bool = False):
    """A `predict(points)` for `decision_boundary` that calls the model directly (no `predict` retracing);
    `compiled` as for `Probe`."""
    import tensorflow as tf

    call = lambda points: model(points, training=False)  # noqa: E731
    if compiled:
        call = tf.function(call, reduce_retracing=True)
    return lambda points: call(tf.convert_to_tensor(points, dtype=tf.float32)).numpy()
