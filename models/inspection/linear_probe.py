"""How much a layer knows about the classes: a linear classifier (a "probe", Alain & Bengio 2016) trained on the
layer's activations, averaged over space, and scored on samples it did not see. Compared across depth and
with the same network before training, it shows what training put where."""

from __future__ import annotations

from typing import Any

import numpy as np

from models.inspection.probe import Probe


def probe_accuracy(features: np.ndarray, labels: np.ndarray, test_fraction: float = 0.3, seed: int = 0) -> float:
    """Held-out accuracy of a logistic regression on `features` (samples, features): standardised, stratified
    split, scikit-learn's L2-regularised solver."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    labels = np.asarray(labels).reshape(-1)
    train_x, test_x, train_y, test_y = train_test_split(features, labels, test_size=test_fraction,
                                                        random_state=seed, stratify=labels)
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    classifier.fit(train_x, train_y)
    return float(classifier.score(test_x, test_y))


def pooled(output: np.ndarray) -> np.ndarray:
    """(samples, ...) activations as (samples, channels): the mean over every axis between (space, time)."""
    output = np.asarray(output, dtype=np.float32)
    return output.reshape(len(output), -1) if output.ndim <= 2 else output.mean(axis=tuple(range(1, output.ndim - 1)))


def probe_by_depth(model: Any, samples: np.ndarray, labels: np.ndarray, layers: list[str] | None = None,
                   batch_size: int = 256, seed: int = 0) -> dict[str, float]:
    """{layer id: probe accuracy} in model order, for `layers` (default: every layer with weights). The
    activations come from batched forward passes, never one sample at a time."""
    probe = Probe(model)
    chosen = layers or [name for name, kind in probe.layer_types.items()
                        if model.get_layer(name).weights and kind not in ("BatchNormalization",)]
    collected: dict[str, list[np.ndarray]] = {name: [] for name in chosen}
    for start in range(0, len(samples), batch_size):
        outputs = probe.batch(np.asarray(samples[start:start + batch_size]))
        for name in chosen:
            collected[name].append(pooled(outputs[name]))
    return {name: probe_accuracy(np.concatenate(parts), labels, seed=seed) for name, parts in collected.items()}
