"""Feature visualization makes inputs that drive their channel (or class logit) far above where the random start
left it, one image per channel in one batch, in the model's input range; non-image models are refused in words."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.feature_visualization import visualize_channels
from models.inspection.probe import InspectionError


def small_cnn(colours: int = 3):
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((32, 32, colours)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4, activation="softmax")])


def test_each_channel_gets_an_image_that_excites_it_much_more_than_its_start():
    model = small_cnn()
    reports = []
    result = visualize_channels(model, model.layers[2].name, [0, 3, 5], size=32, steps=64,
                                progress=lambda done, total: reports.append((done, total)))
    assert result.images.shape == (3, 32, 32, 3)
    assert result.images.min() >= 0.0 and result.images.max() <= 1.0
    assert np.all(result.final_activation > result.start_activation + 0.05), result
    # ... and more than any of 200 random-noise images does (the reference: what an unoptimised input gets)
    from models.inspection.feature_visualization import objective_model

    probe, finish = objective_model(model, model.layers[2].name)
    noise = np.random.default_rng(0).uniform(0, 1, (200, 32, 32, 3)).astype(np.float32)
    noise_means = np.asarray(finish(probe(noise))).mean(axis=(1, 2))[:, [0, 3, 5]]
    assert np.all(result.final_activation > noise_means.max(axis=0)), (result.final_activation, noise_means.max(0))
    assert reports[-1] == (64, 64) and len(reports) <= 33  # a few dozen reports, not one per step
    # the numbers are the channel's own (before its ReLU, so a unit silent at the start still moves): recompute
    import keras

    assert result.before_activation
    conv = model.layers[2]
    before = keras.Model(model.inputs, conv.input)(result.images[1:2])
    pre = keras.ops.conv(before, conv.kernel) + conv.bias
    assert float(np.asarray(pre)[0, ..., 3].mean()) == pytest.approx(float(result.final_activation[1]), rel=1e-4,
                                                                      abs=1e-5)


def test_a_class_is_visualized_through_its_logit_not_its_probability():
    model = small_cnn(colours=1)
    result = visualize_channels(model, model.layers[-1].name, [2], size=48, steps=48, value_range=(0.0, 255.0))
    assert result.images.shape == (1, 48, 48, 1)
    import keras

    features = keras.Model(model.inputs, model.layers[-2].output)
    image = keras.ops.image.resize(result.images * 255.0, (32, 32)).numpy()
    logit = np.asarray(features(image)) @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    assert float(logit[0, 2]) == pytest.approx(float(result.final_activation[0]), rel=1e-3, abs=1e-4)
    assert result.final_activation[0] > result.start_activation[0] + 0.1


def test_models_and_choices_it_cannot_draw_are_refused_in_words():
    import keras

    model = small_cnn()
    with pytest.raises(InspectionError, match="channels 0 to 7"):
        visualize_channels(model, model.layers[0].name, [8], steps=2)
    with pytest.raises(InspectionError, match="no layer"):
        visualize_channels(model, "nope", [0], steps=2)
    tokens = keras.Input((5,), dtype="int32")
    text = keras.Model(tokens, keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Embedding(9, 3)(tokens))))
    with pytest.raises(InspectionError, match="not one"):
        visualize_channels(text, text.layers[-1].name, [0], steps=2)
