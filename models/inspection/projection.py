"""The embedding projector's numbers: a layer's activations over dataset samples (averaged over positions to one
vector per sample), projected to two dimensions by PCA, t-SNE or UMAP, with a measure of how well the classes
separate in the layer itself (the leave-one-out accuracy of 5 nearest neighbours, beside the share of the
largest class): a picture of clusters can mislead, this number does not depend on the projection."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.inspection.probe import InspectionError, keras_module, single_input

METHODS = ("PCA", "t-SNE", "UMAP")
MAX_SAMPLES = 5000


@dataclass
class Projection:
    layer_id: str
    method: str
    points: np.ndarray  # (count, 2)
    labels: np.ndarray  # (count,) integer classes, or empty when the task has none
    features: int  # the width of the pooled activations
    neighbour_accuracy: float | None  # 5-NN leave-one-out accuracy in the layer's own space
    majority: float | None  # the share of the largest class: what guessing it gets
    explained: float | None = None  # PCA: the share of the variance the two axes keep


def method_unavailable(method: str) -> str:
    """Why `method` cannot run here ('' when it can)."""
    if method == "UMAP" and importlib.util.find_spec("umap") is None:
        return "UMAP needs the umap-learn package (pip install umap-learn); PCA and t-SNE work without it."
    if method not in METHODS:
        return f"unknown projection {method!r}; choose one of {', '.join(METHODS)}"
    return ""


def pooled_features(model, layer_id: str, samples: np.ndarray, batch_size: int = 256,
                    progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(count, channels): the layer's output for each sample, averaged over every axis but the last (positions
    of a feature map or a sequence), computed in batches."""
    keras = keras_module()
    try:
        layer = model.get_layer(layer_id)
    except ValueError as error:
        raise InspectionError(f"the model has no layer {layer_id}") from error
    if isinstance(layer.output, (list, tuple)):
        raise InspectionError(f"{layer_id} has several outputs; choose a layer with one")
    probe = keras.Model(single_input(model), layer.output)
    parts = []
    for first in range(0, len(samples), batch_size):
        values = np.asarray(probe(samples[first:first + batch_size], training=False), dtype=np.float32)
        parts.append(values.reshape(len(values), -1, values.shape[-1]).mean(axis=1) if values.ndim > 2 else values)
        if progress is not None:
            progress(min(first + batch_size, len(samples)), len(samples))
    return np.concatenate(parts)


def project(features: np.ndarray, method: str = "PCA", seed: int = 0) -> tuple[np.ndarray, float | None]:
    """(count, 2) points, and for PCA the share of the variance they keep."""
    reason = method_unavailable(method)
    if reason:
        raise InspectionError(reason)
    features = np.asarray(features, dtype=np.float32)
    if len(features) < 3:
        raise InspectionError("a projection needs at least 3 samples")
    if features.shape[1] == 1:  # one feature: nothing to project; show it against zero
        return np.column_stack([features[:, 0], np.zeros(len(features), np.float32)]), 1.0
    if method == "PCA":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed)
        points = pca.fit_transform(features)
        return points.astype(np.float32), float(pca.explained_variance_ratio_.sum())
    if method == "t-SNE":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, (len(features) - 1) / 3))
        tsne = TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed)
        return tsne.fit_transform(features).astype(np.float32), None
    import umap  # method_unavailable checked it is installed

    reducer = umap.UMAP(n_components=2, random_state=seed, n_neighbors=min(15, len(features) - 1), n_jobs=1)
    return np.asarray(reducer.fit_transform(features), dtype=np.float32), None


def neighbour_accuracy(features: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """How often the majority of a sample's k nearest other samples (Euclidean, in `features`) has its label."""
    from sklearn.neighbors import NearestNeighbors

    k = max(1, min(k, len(features) - 1))
    nearest = NearestNeighbors(n_neighbors=k).fit(features).kneighbors(return_distance=False)  # never itself
    votes = labels[nearest]
    predicted = np.array([np.bincount(row).argmax() for row in votes])
    return float(np.mean(predicted == labels))


def class_labels(labels: np.ndarray) -> np.ndarray:
    """Integer classes from labels as datasets give them (integers, or one-hot rows); empty when they are not
    classes (regression targets, multi-hot rows)."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] > 1 and np.all(labels.sum(axis=1) == 1):
        return labels.argmax(axis=1)
    labels = labels.reshape(len(labels), -1)[:, 0] if labels.ndim > 1 and labels.shape[1] == 1 else labels
    if labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer):
        return labels.astype(np.int64)
    return np.zeros(0, np.int64)


def project_layer(model, layer_id: str, samples: np.ndarray, labels: np.ndarray, method: str = "PCA",
                  seed: int = 0, progress: Callable[[int, int], None] | None = None,
                  classes_known: bool = True) -> Projection:
    """Pool `layer_id` over `samples` (at most MAX_SAMPLES), project, and measure the classes' separation
    (`classes_known` False: the labels are not classes, e.g. integer regression targets)."""
    reason = method_unavailable(method)
    if reason:
        raise InspectionError(reason)
    samples, labels = samples[:MAX_SAMPLES], np.asarray(labels)[:MAX_SAMPLES]
    total = len(samples) + 1  # the last step is the projection itself

    def pooled_progress(done: int, _count: int) -> None:
        if progress is not None:
            progress(done, total)

    features = pooled_features(model, layer_id, samples, progress=pooled_progress)
    points, explained = project(features, method, seed)
    classes = class_labels(labels) if classes_known else np.zeros(0, np.int64)
    separation = majority = None
    if len(classes) == len(features) and len(np.unique(classes)) > 1:
        separation = neighbour_accuracy(features, classes)
        majority = float(np.bincount(classes).max() / len(classes))
    if progress is not None:
        progress(total, total)
    return Projection(layer_id, method, points, classes, int(features.shape[1]), separation, majority, explained)
