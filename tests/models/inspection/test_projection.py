"""The projector's numbers: pooled activations equal Keras's own averaged; projections of clearly separated
classes keep them apart (PCA and t-SNE, measured by neighbours in the plane); the separation measure is high
for separated classes and at chance for shuffled labels; a missing UMAP is said in words."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.probe import InspectionError
from models.inspection.projection import (
    class_labels,
    method_unavailable,
    neighbour_accuracy,
    pooled_features,
    project,
    project_layer,
)


def blobs(count: int = 300, classes: int = 3, width: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (classes, width))
    labels = rng.integers(0, classes, count)
    return (centres[labels] + rng.normal(0, 1, (count, width))).astype(np.float32), labels


@pytest.mark.parametrize("method", ["PCA", "t-SNE", "UMAP"])
def test_clearly_separated_classes_stay_apart_in_the_plane(method):
    features, labels = blobs(count=300 if method != "UMAP" else 120)  # UMAP compiles first (~15 s): few samples
    points, explained = project(features, method)
    assert points.shape == (len(labels), 2)
    assert neighbour_accuracy(points, labels) >= 0.98
    if method == "PCA":
        assert 0.5 < explained <= 1.0


def test_the_separation_measure_is_at_chance_for_shuffled_labels():
    features, labels = blobs(count=600)
    assert neighbour_accuracy(features, labels) == 1.0
    shuffled = np.random.default_rng(1).permutation(labels)
    assert abs(neighbour_accuracy(features, shuffled) - 1 / 3) < 0.1


def test_pooled_features_are_the_layers_outputs_averaged_over_positions():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(6, 3, activation="relu", name="conv"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, name="out")])
    samples = np.random.default_rng(0).uniform(0, 1, (70, 12, 12, 1)).astype(np.float32)
    reports = []
    pooled = pooled_features(model, "conv", samples, batch_size=32,
                             progress=lambda done, total: reports.append((done, total)))
    expected = np.asarray(keras.Model(model.inputs, model.get_layer("conv").output)(samples)).mean(axis=(1, 2))
    assert pooled == pytest.approx(expected, abs=1e-5)
    assert reports == [(32, 70), (64, 70), (70, 70)]
    assert pooled_features(model, "out", samples).shape == (70, 3)


def test_a_layer_is_projected_with_its_separation_beside_the_largest_class():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="relu", name="hidden"),
                              keras.layers.Dense(3, activation="softmax")])
    features, labels = blobs()
    projection = project_layer(model, "hidden", features, labels, "PCA")
    assert projection.points.shape == (300, 2) and projection.features == 16
    assert projection.neighbour_accuracy >= 0.95  # random ReLU features of well-apart blobs stay apart
    assert projection.majority == pytest.approx(np.bincount(labels).max() / 300)
    assert list(projection.labels) == list(labels)


def test_labels_that_are_not_classes_give_no_separation_measure():
    assert list(class_labels(np.eye(3)[[0, 2, 1]])) == [0, 2, 1]  # one-hot rows
    assert class_labels(np.array([0.5, 1.5, 2.0])).size == 0  # regression targets
    assert class_labels(np.array([[1, 1, 0], [0, 1, 0]])).size == 0  # multi-hot


def test_unavailable_projections_are_refused_in_words():
    with pytest.raises(InspectionError, match="unknown projection"):
        project(np.zeros((5, 3)), "MDS")
    with pytest.raises(InspectionError, match="at least 3"):
        project(np.zeros((2, 3)), "PCA")
    assert method_unavailable("PCA") == ""
