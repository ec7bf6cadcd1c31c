"""What every data source returns: a Dataset of train / validation / test splits and a DatasetInfo.

Splits hold numpy arrays (small and built-in data) or a `tf.data` pipeline (a folder of images that may
not fit in memory). DatasetInfo records the preprocessing applied, so inspection can treat a user's image
exactly like a training sample. Loaders raise `DatasetError` with a message meant for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class DatasetError(ValueError):
    """A dataset that cannot be loaded, said plainly (what is wrong, and what to do)."""


class Cancelled(Exception):  # noqa: N818 (a request, not a failure)
    """The user cancelled the load."""


@dataclass
class Progress:
    """Passed to loaders: `step(done, total, message)` reports, and raises Cancelled once cancelled."""

    callback: Callable[[int, int, str], None] | None = None
    is_cancelled: Callable[[], bool] = lambda: False

    def step(self, done: int, total: int, message: str = "") -> None:
        if self.is_cancelled():
            raise Cancelled()
        if self.callback is not None:
            self.callback(done, total, message)


@dataclass(frozen=True)
class Preprocessing:
    """What was done to raw inputs: resize to (height, width), convert to `channels`, multiply by
    `rescale`. Inspection applies the same to a user's image."""

    resize: tuple[int, int] | None = None
    channels: int | None = None
    rescale: float = 1.0

    def describe(self) -> str:
        parts = []
        if self.resize:
            parts.append(f"resized to {self.resize[0]}x{self.resize[1]}")
        if self.channels:
            parts.append({1: "grayscale", 3: "RGB"}.get(self.channels, f"{self.channels} channels"))
        if self.rescale != 1.0:
            divisor = 1 / self.rescale
            parts.append(f"values / {round(divisor)}" if abs(divisor - round(divisor)) < 1e-6
                         else f"values x {self.rescale:g}")
        return ", ".join(parts) or "none"


@dataclass
class DatasetInfo:
    name: str
    input_shape: tuple[int, ...]
    task: str  # "classification" | "multilabel" (multi-hot labels: several per sample) | "regression"
    class_names: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # samples per split
    class_counts: list[int] = field(default_factory=list)  # training samples per class
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    input_dtype: str = "float32"
    value_range: tuple[float, float] = (0.0, 1.0)
    description: str = ""
    feature_mean: list[float] | None = None  # per feature (last axis) over the training samples, once measured
    feature_variance: list[float] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3

    def suggested_loss(self) -> str:
        if self.task == "regression":
            return "mean_squared_error"
        if self.task == "multilabel":  # independent yes/no per label: sigmoid outputs
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"


@dataclass
class Split:
    """One split: arrays `x`, `y`, or a `pipeline` (an unbatched tf.data.Dataset of (x, y) pairs), with `read(i)`
    giving sample i of the pipeline directly where the source allows it (a file per sample)."""

    x: np.ndarray | None = None
    y: np.ndarray | None = None
    pipeline: Any = None
    count: int = 0
    read: Callable[[int], tuple[np.ndarray, Any]] | None = None

    def __post_init__(self) -> None:
        if self.x is not None and not self.count:
            self.count = len(self.x)

    def sample(self, index: int) -> tuple[np.ndarray, Any]:
        """(x, y) of sample `index`, exactly as training sees it; without `read`, a pipeline is walked to it."""
        if self.x is not None:
            return np.asarray(self.x[index]), (self.y[index] if self.y is not None else None)
        if self.read is not None:
            return self.read(index)
        element = next(iter(self.pipeline.skip(index).take(1)), None)
        if element is None:
            raise DatasetError(f"sample {index} could not be read")
        return np.asarray(element[0]), np.asarray(element[1])


@dataclass
class SkippedFile:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Dataset:
    info: DatasetInfo
    train: Split
    validation: Split | None = None
    test: Split | None = None
    skipped: list[SkippedFile] = field(default_factory=list)

    def preview(self, count: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A few training samples (x, y) as numpy, spread over the classes where possible."""
        split = self.train
        if split.x is not None:
            rng = np.random.default_rng(seed)
            picks = rng.choice(len(split.x), size=min(count, len(split.x)), replace=False)
            return split.x[picks], split.y[picks]
        xs, ys = [], []
        for x, y in split.pipeline.take(count):
            xs.append(x.numpy())
            ys.append(y.numpy())
        return np.stack(xs), np.stack(ys)


def split_off_validation(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> tuple[Split, Split | None]:
    """Shuffle deterministically and keep `fraction` of the samples apart for validation."""
    if not 0.0 <= fraction < 1.0:
        raise DatasetError(f"validation_split must be at least 0 and below 1, got {fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(round(len(x) * (1 - fraction)))
    if fraction == 0 or cut == len(x):
        return Split(x, y), None
    if cut == 0:
        raise DatasetError(f"only {len(x)} samples: too few to keep {fraction:.0%} for validation")
    return Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:])


def class_counts(y: np.ndarray, num_classes: int) -> list[int]:
    return np.bincount(np.asarray(y, dtype=np.int64).ravel(), minlength=num_classes).tolist()


def array_info(name: str, x: np.ndarray, y: np.ndarray, class_names: list[str], splits: dict[str, Split | None],
               preprocessing: Preprocessing | None = None, description: str = "") -> DatasetInfo:
    """DatasetInfo for in-memory arrays (shape, counts and value range read from the data)."""
    multilabel = bool(class_names) and np.ndim(y) == 2
    task = "multilabel" if multilabel else "classification" if class_names else "regression"
    counts = (np.asarray(y).sum(axis=0).astype(int).tolist() if multilabel
              else class_counts(y, len(class_names)) if class_names else [])
    return DatasetInfo(
        name=name, input_shape=tuple(int(d) for d in x.shape[1:]), task=task, class_names=class_names,
        counts={k: s.count for k, s in splits.items() if s is not None},
        class_counts=counts,
        preprocessing=preprocessing or Preprocessing(), input_dtype=str(x.dtype),
        value_range=(float(np.min(x)), float(np.max(x))) if x.size else (0.0, 0.0), description=description)
