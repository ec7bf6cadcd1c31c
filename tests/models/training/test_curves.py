"""Smoothing that never rewrites the past and downsampling that never hides a spike."""

from __future__ import annotations

import numpy as np
import pytest

from models.training.curves import Smoother, envelope, smooth


def tensorboard_smoothing(values, weight):
    """TensorBoard's own loop (its scalar dashboard), for reference."""
    last, count, out = 0.0, 0, []
    for value in values:
        if not np.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight ** count))
    return np.array(out)


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.9, 0.99])
def test_smoothing_is_tensorboards_and_a_prefix_is_never_rewritten(weight):
    values = np.random.default_rng(0).normal(1.0, 0.3, 500)
    values[[7, 100]] = np.nan  # a gap stays a gap and counts as nothing
    whole = smooth(values, weight)
    np.testing.assert_allclose(whole, tensorboard_smoothing(values, weight), rtol=1e-10, equal_nan=True)
    for n in (1, 2, 50, 499):  # the curve drawn after n steps is the start of the final one
        np.testing.assert_array_equal(smooth(values[:n], weight), whole[:n])
    pieces = Smoother(weight)  # fed as training delivers it, a few batches at a time
    streamed = np.concatenate([pieces.extend(chunk) for chunk in np.array_split(values, 37)])
    np.testing.assert_allclose(streamed, whole, rtol=1e-10, equal_nan=True)


def test_the_first_point_is_not_pulled_towards_zero():
    assert smooth(np.array([5.0, 5.0, 5.0]), 0.9) == pytest.approx([5.0, 5.0, 5.0])
    with pytest.raises(ValueError, match="below 1"):
        Smoother(1.0)


def test_a_single_step_spike_survives_downsampling_a_million_points():
    steps = np.arange(1, 1_000_001, dtype=float)
    losses = 1 / np.sqrt(steps)
    losses[654_321] = 50.0  # one bad batch
    reduced = envelope(steps, losses, 1, 1_000_000, 800)
    assert len(reduced.x) <= 800
    assert reduced.high.max() == 50.0  # the band reaches it
    column = int(np.argmax(reduced.high))
    assert reduced.x[column] - 1250 <= 654_322 <= reduced.x[column] + 1250
    assert reduced.low[column] < 0.01 < reduced.mean[column] < 1.0  # the trend line is not yanked up to it
    picked = losses[::1250]  # every n-th point, what naive decimation draws
    assert 50.0 not in picked  # the spike falls between the picks


def test_a_short_or_zoomed_in_range_shows_the_points_themselves_and_gaps_stay_gaps():
    x = np.arange(100, dtype=float)
    y = np.sin(x)
    near = envelope(x, y, 10, 29, 800)  # 20 points in view: drawn as they are
    np.testing.assert_array_equal(near.x, x[10:30])
    np.testing.assert_array_equal(near.mean, y[10:30])
    y[40:60] = np.nan
    far = envelope(x, y, 0, 99, 10)
    assert np.isnan(far.mean[4]) and np.isnan(far.high[5]) and np.isfinite(far.mean[3])


def test_a_legend_names_each_run_by_the_settings_that_set_it_apart():
    from models.training.runs import differing_settings

    def run(number, rate, batch, model):
        return {"id": f"run-{number}", "model_fingerprint": model,
                "config": {"learning_rate": rate, "batch_size": batch, "epochs": 5}}

    runs = [run(1, 0.01, 32, "a"), run(2, 0.001, 32, "a"), run(3, 0.001, 64, "b")]
    labels = differing_settings(runs)
    assert labels["run-1"] == "batch_size 32, learning_rate 0.01, model a"
    assert labels["run-3"] == "batch_size 64, learning_rate 0.001, model b"
    assert differing_settings(runs[:1]) == {"run-1": ""}  # alone, nothing sets it apart
