"""The statistics a Normalization layer adapts to: per feature (the last axis), from arrays or a pipeline, and
none for token ids."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from datasets.base import Split
from datasets.statistics import feature_statistics


def test_mean_and_variance_per_channel_from_arrays_and_from_a_pipeline():
    rng = np.random.default_rng(0)
    x = np.stack([rng.normal(m, s, (40, 5, 5)) for m, s in ((1, 1), (-2, 3))], axis=-1).astype(np.float32)
    mean, variance = feature_statistics(Split(x=x, y=np.zeros(40)))
    np.testing.assert_allclose(mean, x.reshape(-1, 2).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(variance, x.reshape(-1, 2).var(axis=0), rtol=1e-6)
    pipeline = tf.data.Dataset.from_tensor_slices((x, np.zeros(40)))
    from_pipeline = feature_statistics(Split(pipeline=pipeline))
    np.testing.assert_allclose(from_pipeline[0], mean, rtol=1e-5)
    few = feature_statistics(Split(x=x, y=np.zeros(40)), limit=10)  # spread over the split, not its first ten
    assert len(few[0]) == 2 and abs(few[0][1] - mean[1]) < 1.5


def test_token_ids_are_not_normalized():
    assert feature_statistics(Split(x=np.ones((4, 6), np.int32), y=np.zeros(4)), "int32") is None
