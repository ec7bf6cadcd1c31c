"""Receptive fields (theoretical box and effective field from gradients) and the linear probe of a layer."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.linear_probe import pooled, probe_accuracy, probe_by_depth
from models.inspection.receptive_field import Box, effective_field, theoretical_field


def three_layer_model():
    import keras

    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 1))
    first = keras.layers.Conv2D(4, 3, name="c1")(image)
    second = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="c2")(first)
    pooled_map = keras.layers.MaxPooling2D(2, name="p")(second)
    return keras.Model(image, pooled_map)


def test_the_effective_field_of_a_single_3x3_conv_is_within_its_3x3_box():
    model = three_layer_model()
    samples = np.random.default_rng(0).normal(size=(32, 16, 16, 1)).astype(np.float32)
    box = theoretical_field(model, "c1", 5, 5)
    assert box == Box(5, 5, 7, 7) and (box.height, box.width) == (3, 3)
    field = effective_field(model, "c1", 5, 5, samples)
    rows, columns = np.nonzero(field)
    assert all(box.contains(r, c) for r, c in zip(rows, columns, strict=True)) and field.max() == 1.0
    assert len(rows) == 9  # every weight of a random kernel is non-zero: the whole box responds


def test_strides_same_padding_and_pooling_widen_the_box_as_keras_computes_it():
    model = three_layer_model()
    # c2 reads c1 rows 4-6 (stride 2, "same" pads nothing first here), which read input rows 4-8
    assert theoretical_field(model, "c2", 2, 3) == Box(4, 6, 8, 10)
    assert theoretical_field(model, "p", 1, 1) == Box(4, 4, 10, 10)
    samples = np.random.default_rng(1).normal(size=(64, 16, 16, 1)).astype(np.float32)
    rows, columns = np.nonzero(effective_field(model, "p", 1, 1, samples))
    box = theoretical_field(model, "p", 1, 1)
    assert all(box.contains(r, c) for r, c in zip(rows, columns, strict=True))
    assert (rows.min(), rows.max(), columns.min(), columns.max()) == (4, 10, 4, 10)


def test_the_probe_is_at_chance_on_random_labels_and_near_perfect_on_separable_classes():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(600, 20))
    random_labels = rng.integers(0, 4, size=600)
    assert abs(probe_accuracy(features, random_labels) - 0.25) < 0.08
    separable = (features[:, 0] > 0).astype(int)
    assert probe_accuracy(features, separable) > 0.95
    assert pooled(np.ones((5, 4, 4, 3))).shape == (5, 3)


@pytest.mark.slow
def test_probe_by_depth_reads_every_layer_from_batched_passes():
    import keras

    model = three_layer_model()
    head = keras.layers.Dense(2, name="d")(keras.layers.GlobalAveragePooling2D()(model.output))
    classifier = keras.Model(model.input, head)
    rng = np.random.default_rng(2)
    samples = rng.normal(size=(300, 16, 16, 1)).astype(np.float32)
    labels = (samples[:, :8].mean(axis=(1, 2, 3)) > samples[:, 8:].mean(axis=(1, 2, 3))).astype(int)
    samples[labels == 1, :8] += 1.0  # the top half brighter: a class any layer can see
    accuracies = probe_by_depth(classifier, samples, labels, batch_size=128)
    assert list(accuracies) == ["c1", "c2", "d"]
    assert all(0.5 <= value <= 1.0 for value in accuracies.values()) and accuracies["c1"] > 0.8
