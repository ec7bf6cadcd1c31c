"""Curves worth trusting: smoothing that never rewrites the past, and downsampling that never hides a spike.

- `Smoother` is TensorBoard's debiased exponential moving average: each value mixes the new point with the
  last one (weight w), and is divided by 1 - w^n so that the first points are not pulled towards zero. It is
  causal: the smoothing of a run's first n steps is the first n values of the smoothing of the whole run, so
  the curve drawn so far never changes as the run grows (TensorBoard #5680). A non-finite point is a gap.
- `envelope` reduces a long series to one column per pixel with the lowest, the highest and the mean value of
  the points in it: the band from lowest to highest shows every spike, the line through the means the trend
  (picking every n-th point, or averaging alone, hides a one-step spike: W&B #5866).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter


class Smoother:
    """Debiased exponential smoothing fed in pieces; `weight` 0 leaves the values as they are."""

    def __init__(self, weight: float) -> None:
        if not 0.0 <= weight < 1.0:
            raise ValueError(f"smoothing weight {weight} must be at least 0 and below 1")
        self.weight = weight
        self._last = 0.0  # the biased average so far
        self._count = 0  # finite points so far

    def extend(self, values: np.ndarray) -> np.ndarray:
        """The smoothed values of the next points (non-finite ones stay as they are, and count as nothing)."""
        values = np.asarray(values, dtype=float)
        out = values.copy()
        finite = np.isfinite(values)
        if not finite.any() or self.weight == 0.0:
            return out
        w = self.weight
        points = values[finite]
        biased, state = lfilter([1.0 - w], [1.0, -w], points, zi=[w * self._last])
        counts = self._count + np.arange(1, len(points) + 1)
        out[finite] = biased / (1.0 - w ** counts)
        self._last, self._count = float(state[0] / w) if w else float(biased[-1]), int(counts[-1])
        return out


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """The whole series smoothed at once (what the slider redraws)."""
    return Smoother(weight).extend(values)


@dataclass(frozen=True)
class Envelope:
    """Per column: the x of its points' centre, and their lowest, highest and mean value."""

    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray


def envelope(x: np.ndarray, y: np.ndarray, start: float, stop: float, columns: int, log: bool = False) -> Envelope:
    """The points with `start <= x <= stop` (x sorted), in at most `columns` equal slices of that range (equal
    on a log axis with `log`); where there are no more points than twice the columns, the points themselves
    (low = high = mean)."""
    first, last = np.searchsorted(x, start, "left"), np.searchsorted(x, stop, "right")
    xs, ys = np.asarray(x[first:last], float), np.asarray(y[first:last], float)
    if len(xs) <= 2 * max(columns, 1):
        return Envelope(xs, ys, ys, ys)
    edges = (np.geomspace(max(start, 1e-12), stop, columns + 1) if log and stop > 0
             else np.linspace(start, stop, columns + 1))[:-1]
    starts = np.unique(np.searchsorted(xs, edges, "left"))
    starts = starts[starts < len(xs)]
    counts = np.diff(np.append(starts, len(xs)))
    finite = np.isfinite(ys)
    clean = np.where(finite, ys, 0.0)
    sums = np.add.reduceat(clean, starts)
    kept = np.add.reduceat(finite.astype(float), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(kept > 0, sums / kept, np.nan)
    low = np.fmin.reduceat(np.where(finite, ys, np.nan), starts)
    high = np.fmax.reduceat(np.where(finite, ys, np.nan), starts)
    centre = np.add.reduceat(xs, starts) / counts
    return Envelope(centre, low, high, mean)
