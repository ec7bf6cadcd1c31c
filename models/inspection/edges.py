"""How much a convolution kernel is an edge detector: its best match against a bank of oriented edge kernels.

The bank holds, for each orientation every 15 degrees, the first derivative of a Gaussian across that
direction (the classic model of an oriented edge detector, and what trained first layers of image networks
resemble), and for 3x3 kernels the four Sobel kernels as well. Every kernel, the bank's and the one scored,
is made zero-mean and unit-norm, so the score is the absolute correlation of shapes: 1.0 for an exact edge
kernel of some orientation (either polarity), about 0.45 for Gaussian random 3x3 kernels. A multi-channel
kernel is scored on the sum over its input channels: its response to a gray (luminance) edge.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

ANGLES_DEG = tuple(range(0, 180, 15))
_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
_SOBEL_DIAGONAL = np.array([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]], dtype=np.float64)


def _normalised(kernel: np.ndarray) -> np.ndarray | None:
    centred = kernel - kernel.mean()
    norm = np.linalg.norm(centred)
    return centred / norm if norm > 1e-12 else None


def edge_bank(height: int, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(bank of shape (n, height, width), the angle in degrees each one detects: 0 = a vertical edge,
    intensity changing from left to right; 90 = a horizontal edge)."""
    width = width or height
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    ys -= (height - 1) / 2
    xs -= (width - 1) / 2
    sigma = max(min(height, width) / 4.0, 0.6)
    kernels, angles = [], []
    for degrees in ANGLES_DEG:
        theta = np.deg2rad(degrees)
        across = xs * np.cos(theta) - ys * np.sin(theta)  # image rows grow downwards
        kernel = across * np.exp(-(xs**2 + ys**2) / (2 * sigma**2))
        normalised = _normalised(kernel)
        if normalised is not None:
            kernels.append(normalised)
            angles.append(float(degrees))
    if (height, width) == (3, 3):
        for kernel, degrees in ((_SOBEL_X, 0.0), (_SOBEL_X.T[::-1], 90.0), (_SOBEL_DIAGONAL[::-1], 45.0),
                                (_SOBEL_DIAGONAL, 135.0)):
            kernels.append(_normalised(kernel))
            angles.append(degrees)
    return np.stack(kernels), np.array(angles)


def edge_scores(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per filter of a Conv2D kernel (height, width, in_channels, filters): the edge score in 0..1 and the
    orientation (degrees) of the best-matching edge kernel. A flat filter (no shape at all) scores 0."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4:
        raise ValueError(f"a Conv2D kernel has 4 axes (height, width, inputs, filters), not {kernel.ndim}")
    height, width, _inputs, filters = kernel.shape
    bank, angles = edge_bank(height, width)
    luminance = kernel.sum(axis=2)  # (height, width, filters): the response to a gray image
    flat = bank.reshape(len(bank), -1)
    scores, preferred = np.zeros(filters), np.zeros(filters)
    for index in range(filters):
        normalised = _normalised(luminance[:, :, index])
        if normalised is None:
            continue
        correlations = np.abs(flat @ normalised.reshape(-1))
        best = int(np.argmax(correlations))
        scores[index], preferred[index] = correlations[best], angles[best]
    return scores, preferred


def random_kernel_scores(height: int, width: int, in_channels: int = 1, count: int = 1000,
                         seed: int = 0) -> np.ndarray:
    """Edge scores of Gaussian random kernels of this size: the reference a trained layer is measured against."""
    rng = np.random.default_rng(seed)
    return edge_scores(rng.normal(size=(height, width, in_channels, count)))[0]


@functools.lru_cache(maxsize=32)
def random_median(height: int, width: int, in_channels: int) -> float:
    """The median edge score of 1,000 Gaussian random kernels of this shape (cached: the Filters view asks
    for it at every redraw)."""
    return float(np.median(random_kernel_scores(height, width, in_channels)))


@dataclasses.dataclass(frozen=True)
class EdgeSummary:
    """A layer's edge scores and preferred orientations per filter, their median, and the median of random
    kernels of the same shape: the number to beat."""

    scores: np.ndarray
    angles: np.ndarray
    median: float
    random_median: float

    def sentence(self) -> str:
        return (f"edge score (best match with an oriented edge kernel; 1 = a perfect edge detector): median "
                f"{self.median:.2f} here, {self.random_median:.2f} for random kernels of this size")


def edge_summary(kernel: np.ndarray) -> EdgeSummary:
    kernel = np.asarray(kernel, dtype=np.float64)
    scores, angles = edge_scores(kernel)
    height, width, inputs, _filters = kernel.shape
    return EdgeSummary(scores, angles, float(np.median(scores)), random_median(height, width, inputs))
