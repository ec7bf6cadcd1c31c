"""The edge score: exact edge kernels score 1.0 at their orientation, random kernels far less."""

from __future__ import annotations

import numpy as np
import pytest

from models.inspection.edges import edge_bank, edge_scores, random_kernel_scores

SOBEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)


def as_kernel(*filters: np.ndarray, channels: int = 1) -> np.ndarray:
    """(height, width, channels, filters) from 2-D filters, the same in every input channel."""
    stacked = np.stack(filters, axis=-1)[:, :, None, :]
    return np.repeat(stacked, channels, axis=2)


def test_an_exact_sobel_kernel_scores_one_in_every_orientation_and_polarity():
    scores, angles = edge_scores(as_kernel(SOBEL, -SOBEL, SOBEL.T[::-1], 3 * SOBEL + 0.5, channels=3))
    np.testing.assert_allclose(scores, 1.0)  # scale and offset do not matter: shapes are compared
    assert list(angles) == [0.0, 0.0, 90.0, 0.0]


def test_each_derivative_of_gaussian_in_the_bank_scores_one_at_its_own_angle():
    bank, angles = edge_bank(7)
    scores, found = edge_scores(np.transpose(bank, (1, 2, 0))[:, :, None, :])
    np.testing.assert_allclose(scores, 1.0)
    np.testing.assert_array_equal(found, angles)


def test_random_3x3_kernels_score_about_a_half_and_a_flat_kernel_zero():
    median = float(np.median(random_kernel_scores(3, 3, count=2000)))
    assert 0.40 <= median <= 0.56, median  # measured: 0.51
    assert float(np.median(random_kernel_scores(7, 7, count=500))) < 0.25  # more pixels, less chance alignment
    assert edge_scores(np.ones((3, 3, 1, 1)))[0][0] == 0.0


def test_a_colour_opponent_kernel_has_no_gray_edge():
    kernel = np.zeros((3, 3, 3, 1))
    kernel[:, :, 0, 0], kernel[:, :, 1, 0] = SOBEL, -SOBEL  # red edge minus green edge: blind to gray
    assert edge_scores(kernel)[0][0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="4 axes"):
        edge_scores(SOBEL)


def test_filter_tiles_keep_the_raw_weights_in_one_layout_for_gray_and_rgb():
    from models.inspection.filters import filter_tiles

    rng = np.random.default_rng(0)
    for inputs in (1, 3, 5):
        kernel = rng.normal(size=(5, 5, inputs, 8)).astype(np.float32)
        tiles = filter_tiles(kernel, "conv", "Conv2D")
        assert tiles.weights.shape == (8, inputs, 5, 5)
        assert np.array_equal(tiles.weights[2, inputs - 1], kernel[:, :, inputs - 1, 2])  # the numbers, unscaled
        assert tiles.rgb == (inputs == 3)
        if tiles.rgb:  # drawn scaled to 0..1, the weights beside it untouched
            assert tiles.tiles.shape == (8, 5, 5, 3) and tiles.tiles.min() >= 0 and tiles.tiles.max() <= 1
