"""What a Normalization layer adapts to: the mean and variance of each feature (the last axis: an image's
channels, a table's columns) over the training samples, as Keras's `Normalization.adapt` computes them."""

from __future__ import annotations

import numpy as np

from datasets.base import Split

SAMPLES = 5000  # enough for stable statistics, cheap for any dataset


def feature_statistics(split: Split, dtype: str = "float32",
                       limit: int = SAMPLES) -> tuple[list[float], list[float]] | None:
    """(mean, variance) per feature over up to `limit` training samples spread over the split; None for integer
    inputs (token ids are looked up, not normalized) or a split that cannot be read."""
    if "int" in dtype:
        return None
    if split.x is not None:
        count = len(split.x)
        picks = np.linspace(0, count - 1, min(limit, count)).astype(int) if count else []
        x = np.asarray(split.x[picks], dtype=np.float64)
    elif split.pipeline is not None:
        x = np.stack([np.asarray(element[0], dtype=np.float64) for element in split.pipeline.take(limit)])
    else:
        return None
    if x.ndim < 2 or not len(x):
        return None
    flat = x.reshape(-1, x.shape[-1])
    return flat.mean(axis=0).tolist(), flat.var(axis=0).tolist()
