"""Integrated Gradients adds up to f(x) - f(baseline) (completeness, within 5% at 64 steps) from every baseline;
on a trained small CNN, hiding the 10% of pixels each method ranks highest lowers the class score more than hiding
a random 10% (the deletion check)."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.attribution_methods import (
    BASELINES,
    grad_cam_plus_plus,
    integrated_gradients,
    occlusion,
    smoothgrad,
)
from models.inspection.probe import InspectionError


def small_cnn(seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 3, activation="relu"),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(5, activation="softmax")])


@pytest.fixture(scope="module")
def trained():
    from datasets.generated import load_shapes

    data = load_shapes(size=28, count_per_class=120, seed=2)
    x = np.asarray(data.train.x, dtype=np.float32)
    x = x.mean(axis=-1, keepdims=True) if x.shape[-1] == 3 else x
    x = x / 255.0 if x.max() > 1.5 else x
    model = small_cnn(1)
    model.compile("adam", loss="sparse_categorical_crossentropy")
    model.fit(x, np.asarray(data.train.y), epochs=8, batch_size=32, verbose=0)
    return model, x


@pytest.mark.parametrize("baseline", BASELINES)
def test_integrated_gradients_add_up_to_the_change_of_the_class_score(baseline):
    model = small_cnn()
    sample = np.random.default_rng(3).uniform(0, 1, size=(28, 28, 1)).astype(np.float32)
    result = integrated_gradients(model, sample, class_index=2, baseline=baseline, steps=64)
    change = result.score - result.baseline_score
    assert result.values.shape == sample.shape and result.class_index == 2
    assert abs(result.values.sum() - change) <= 0.05 * abs(change) + 1e-6


def score_after_hiding(model, sample, mask, class_index) -> float:
    hidden = np.where(mask[..., None], 0.0, sample).astype(np.float32)
    return float(np.asarray(model(hidden[None], training=False))[0, class_index])


@pytest.mark.parametrize("method", ["integrated_gradients", "smoothgrad", "occlusion", "grad_cam_plus_plus"])
def test_hiding_the_top_attributed_pixels_lowers_the_score_more_than_hiding_random_ones(trained, method):
    model, x = trained
    rng = np.random.default_rng(0)
    top_drops, random_drops = [], []
    for sample in x[:12]:
        if method == "integrated_gradients":
            result = integrated_gradients(model, sample, steps=32)
            ranking = np.abs(result.values).sum(axis=-1)
        elif method == "smoothgrad":
            result = smoothgrad(model, sample, samples=16)
            ranking = np.abs(result.values).sum(axis=-1)
        elif method == "occlusion":
            result = occlusion(model, sample, patch=6, stride=3, fill="black")
            ranking = result.values
        else:
            result = grad_cam_plus_plus(model, sample)
            assert result.values.shape == (28, 28) and 0 <= result.values.min() and result.values.max() <= 1
            ranking = result.values
        count = int(0.1 * ranking.size)
        score = score_after_hiding(model, sample, np.zeros(ranking.shape, bool), result.class_index)  # probability
        top = np.zeros(ranking.size, bool)
        top[np.argsort(-ranking.ravel())[:count]] = True
        top_drops.append(score - score_after_hiding(model, sample, top.reshape(ranking.shape),
                                                           result.class_index))
        for _ in range(3):
            chosen = np.zeros(ranking.size, bool)
            chosen[rng.choice(ranking.size, count, replace=False)] = True
            random_drops.append(score - score_after_hiding(model, sample, chosen.reshape(ranking.shape),
                                                                  result.class_index))
    top, random = float(np.mean(top_drops)), float(np.mean(random_drops))
    assert top > 1.5 * random and top > random + 0.02, (top, random)


def test_token_models_are_refused_in_words():
    import keras

    tokens = keras.Input((5,), dtype="int32")
    model = keras.Model(tokens, keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Embedding(9, 3)(tokens))))
    with pytest.raises(InspectionError, match="real-valued"):
        integrated_gradients(model, np.zeros(5, np.int32))


def test_each_method_gives_a_map_in_0_to_1_the_size_of_the_image_and_reports_progress():
    from models.inspection.attribution_views import METHODS, attribute

    model = small_cnn()
    sample = np.random.default_rng(4).uniform(0, 1, size=(28, 28, 1)).astype(np.float32)
    settings = {"steps": 8, "samples": 4, "patch": 7, "stride": 7, "layer": model.layers[0].name}
    for method in METHODS:
        reports: list[tuple[int, int]] = []
        view = attribute(model, sample, method, 1, settings, progress=lambda done, total, into=reports:
                         into.append((done, total)))
        assert view.heat.shape == (28, 28) and view.class_index == 1, method
        assert 0.0 <= view.heat.min() and view.heat.max() <= 1.0, method
        # an untrained net's score may rise wherever a square is covered: occlusion then says so, dark
        assert view.heat.max() > 0 or "covering no square lowered it" in view.text, method
        assert reports and reports[-1][0] == reports[-1][1], method  # ends at its total
    occluded = attribute(model, sample, "Occlusion", 1, {"patch": 7, "stride": 7})
    assert occluded.values.shape == (28, 28) and "7x7" in occluded.text


def test_the_integrated_gradients_text_gives_its_own_completeness_error():
    from models.inspection.attribution_views import attribute

    model = small_cnn()
    sample = np.random.default_rng(5).uniform(0, 1, size=(28, 28, 1)).astype(np.float32)
    view = attribute(model, sample, "Integrated Gradients", 0, {"steps": 64, "baseline": "blurred"})
    exact = integrated_gradients(model, sample, 0, "blurred", 64)
    assert view.values == pytest.approx(exact.values, abs=1e-6)
    assert f"{float(exact.values.sum()):.4g}" in view.text and "apart" in view.text


def test_cancelling_from_progress_stops_between_batches():
    from datasets.base import Cancelled
    from models.inspection.attribution_views import attribute

    calls = []

    def cancel(done, total):
        calls.append(done)
        raise Cancelled()

    sample = np.zeros((28, 28, 1), np.float32)
    with pytest.raises(Cancelled):
        attribute(small_cnn(), sample, "Occlusion", 0, {"patch": 2, "stride": 1}, progress=cancel)
    assert calls == [64]  # the first batch of 64 squares, of 729


def test_an_unknown_method_is_refused_in_words():
    from models.inspection.attribution_views import attribute

    with pytest.raises(InspectionError, match="unknown attribution method"):
        attribute(small_cnn(), np.zeros((28, 28, 1), np.float32), "LIME")


def test_occlusion_reads_the_logit_of_a_softmax_model_which_does_not_saturate():
    import keras

    model = small_cnn()
    sample = np.random.default_rng(6).uniform(0, 1, size=(28, 28, 1)).astype(np.float32)
    features = keras.Model(model.inputs, model.layers[-1].input)
    logits = np.asarray(features(sample[None])) @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    on_logits = occlusion(model, sample, class_index=3, patch=14, stride=14)
    assert on_logits.on_logits and on_logits.score == pytest.approx(float(logits[0, 3]), abs=1e-5)
    on_probability = occlusion(model, sample, class_index=3, patch=14, stride=14, on_logits=False)
    probability = float(np.asarray(model(sample[None]))[0, 3])
    assert not on_probability.on_logits and on_probability.score == pytest.approx(probability, abs=1e-6)
