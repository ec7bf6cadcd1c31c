"""The arithmetic of one unit equals Keras's own output: every position of convolutions (same and valid padding,
strides, dilation), max and average pooling (with the padded border), and Dense units, softmax included."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.unit_arithmetic import NotExplainedError, explain_unit


def small_model():
    import keras

    keras.utils.set_random_seed(4)
    image = keras.Input((9, 9, 2))
    x = keras.layers.Conv2D(4, 3, dilation_rate=2, padding="valid", activation="tanh", name="conv_dilated")(image)
    y = keras.layers.MaxPooling2D(2, padding="same", name="max")(x)
    z = keras.layers.AveragePooling2D(2, padding="same", name="mean")(x)
    flat = keras.layers.Flatten()(keras.layers.Concatenate()([y, z]))
    hidden = keras.layers.Dense(6, activation="relu", name="hidden")(flat)
    out = keras.layers.Dense(4, activation="softmax", name="classes")(hidden)
    side = keras.layers.Conv2D(3, 3, strides=2, padding="same", activation="relu", name="conv_strided")(image)
    return keras.Model(image, [out, side])


@pytest.fixture(scope="module")
def model_and_sample():
    return small_model(), np.random.default_rng(1).normal(size=(9, 9, 2)).astype(np.float32)


@pytest.mark.parametrize("layer", ["conv_strided", "conv_dilated", "max", "mean"])
def test_every_position_of_spatial_layers_equals_keras(model_and_sample, layer):
    model, sample = model_and_sample
    rows, columns, channels = model.get_layer(layer).output.shape[1:]
    for row in range(rows):
        for column in range(columns):
            for channel in range(channels):
                unit = explain_unit(model, layer, sample, (row, column, channel))
                assert unit.value == pytest.approx(unit.keras_value, abs=1e-5), (row, column, channel)
    if layer.startswith("conv"):  # the products of the patch and the kernel are what is summed
        assert np.allclose(unit.terms, unit.patch * unit.kernel) and unit.total == pytest.approx(unit.terms.sum())
        assert unit.pre_activation == pytest.approx(unit.total + unit.bias)


def test_a_strided_same_convolution_pads_with_zeros_at_the_border(model_and_sample):
    model, sample = model_and_sample
    corner = explain_unit(model, "conv_strided", sample, (0, 0, 0))
    assert corner.patch.shape == (3, 3, 2) and np.all(corner.patch[0] == 0) and np.all(corner.patch[:, 0] == 0)
    assert np.allclose(corner.patch[1:, 1:], sample[:2, :2])  # TensorFlow pads 1 before, 0 after, for 9 -> 5


def test_max_pooling_names_its_winner(model_and_sample):
    model, sample = model_and_sample
    unit = explain_unit(model, "max", sample, (1, 1, 2))
    assert unit.winner is not None and unit.patch[unit.winner] == pytest.approx(unit.value)


def test_dense_units_and_the_softmax_output(model_and_sample):
    model, sample = model_and_sample
    for unit_index in range(6):
        unit = explain_unit(model, "hidden", sample, (unit_index,))
        assert unit.value == pytest.approx(unit.keras_value, abs=1e-5)
        assert np.allclose(unit.terms, unit.inputs * unit.weights)
        contributions = np.abs(unit.terms)
        assert contributions[unit.top[0]] == contributions.max() and len(unit.top) == len(unit.inputs)
    probabilities = [explain_unit(model, "classes", sample, (k,)) for k in range(4)]
    assert all(p.value == pytest.approx(p.keras_value, abs=1e-6) for p in probabilities)
    assert sum(p.value for p in probabilities) == pytest.approx(1.0)
    first = probabilities[0]
    assert first.activation == "softmax" and first.logits[0] == pytest.approx(first.pre_activation)
    assert first.value == pytest.approx(first.exponentials[0] / first.exponentials.sum())


def test_other_layers_say_why_they_are_not_explained(model_and_sample):
    model, sample = model_and_sample
    flatten = next(layer.name for layer in model.layers if type(layer).__name__ == "Flatten")  # flatten_N
    with pytest.raises(NotExplainedError, match="Conv2D, Dense and pooling"):
        explain_unit(model, flatten, sample, (0,))
    with pytest.raises(NotExplainedError, match="no layer"):
        explain_unit(model, "nowhere", sample, (0,))
