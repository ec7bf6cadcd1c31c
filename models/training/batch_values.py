"""Each training step's own loss and metrics, computed inside the step, beside Keras's running means.

Keras 3 logs, after every batch, the running mean since the epoch began: a spike is drawn as a slow decay
and every epoch starts a new sawtooth. Deriving a batch's value back from those means is exact only in
theory: Keras accumulates them in float32, so after a loss of 1e8 the difference of two running totals
has lost every digit of a loss near 1. So the train step itself also returns the batch's own values:

- the loss the optimizer minimised for that batch (the compiled loss plus any layer losses: what
  `compute_loss` returned), unscaled for distribution like Keras's own tracker;
- every compiled metric that is a mean of per-sample values (accuracy, MAE, MSE...: Keras's
  `MeanMetricWrapper`), from the same predictions;
- the batch's sample count.

A metric that is not a per-sample mean (AUC, precision...) has no per-batch value here: a batch value
derived from its running state would mean nothing, so it is reported per epoch only. Under a
`tf.distribute` strategy each replica keeps its own shard's tensors (replica threads trace the step in
turn) and the values are all-reduced, weighted by shard size, so the value is the global batch's. No second
forward pass: the hooks see the step's own `y_pred`. The values come back in the step's logs under
`batch/values`; `own_values` takes them out.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

PREFIX = "batch/"
VALUES = PREFIX + "values"  # one vector per step: Keras converts each log entry on its own, one copy each


def install(model: Any) -> None:
    """Hook `model` (compiled, before `fit`) so its train step also returns the batch's own values."""
    import tensorflow as tf
    from keras.src.losses.loss import unscale_loss_for_distribution

    if getattr(model, "_strata_batch_hooks", False):
        return
    original_compute_loss = model.compute_loss
    original_train_step = model.train_step
    traced: dict[int, dict[str, Any]] = {}  # per tracing thread (one per replica): tensors of its own graph

    def compute_loss(x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = original_compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
        if training:
            traced.setdefault(threading.get_ident(), {}).update(x=x, y=y, y_pred=y_pred,
                                                               sample_weight=sample_weight, loss=loss)
        return loss

    def train_step(data):
        seen = traced.setdefault(threading.get_ident(), {})
        seen.clear()
        logs = original_train_step(data)
        if "loss" not in seen or not isinstance(logs, dict):
            return logs
        first = next(i for i in tf.nest.flatten(seen["x"]) if i is not None)
        size = tf.cast(tf.shape(first)[0], "float32")
        values = {"loss": tf.cast(unscale_loss_for_distribution(seen["loss"]), "float32")}
        values.update(_mean_metrics(model, seen["y"], seen["y_pred"], seen["sample_weight"]))
        names = list(values)
        totals = tf.stack([values[n] * size for n in names] + [size])
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            totals = context.all_reduce(tf.distribute.ReduceOp.SUM, totals)
        logs = dict(logs)
        logs[VALUES] = totals[:-1] / totals[-1]
        model._strata_batch_names = names  # the vector's order, fixed when the step is traced
        return logs

    model.compute_loss = compute_loss
    model.train_step = train_step
    model._strata_batch_hooks = True
    model.train_function = None  # traced again, through the hooks


def uninstall(model: Any) -> None:
    """Remove the hooks (the model is saved and trained again later as a plain Keras model)."""
    if not getattr(model, "_strata_batch_hooks", False):
        return
    for name in ("compute_loss", "train_step", "_strata_batch_hooks", "_strata_batch_names"):
        model.__dict__.pop(name, None)
    model.train_function = None


def _mean_metrics(model: Any, y: Any, y_pred: Any, sample_weight: Any) -> dict[str, Any]:
    """The batch mean of every compiled per-sample metric (single-output models: Strata's case)."""
    import tensorflow as tf

    compiled = getattr(model, "_compile_metrics", None)
    if compiled is None or not getattr(compiled, "built", False):
        return {}
    outputs = tf.nest.flatten(y_pred)
    if len(outputs) != 1:
        return {}
    y_true, y_pred = tf.nest.flatten(y)[0], outputs[0]
    values = {}
    for metric in compiled.metrics:
        function = getattr(metric, "_fn", None)
        if function is None:
            continue
        per_sample = tf.cast(function(y_true, y_pred, **getattr(metric, "_fn_kwargs", {})), "float32")
        if per_sample.shape.rank == 0:  # a function that already averages over the batch
            values[metric.name] = per_sample
            continue
        per_sample = tf.reshape(per_sample, [tf.shape(per_sample)[0], -1])
        per_sample = tf.reduce_mean(per_sample, axis=1)
        if sample_weight is not None:
            weight = tf.reshape(tf.cast(sample_weight, "float32"), [-1])
            values[metric.name] = tf.reduce_sum(per_sample * weight) / tf.maximum(tf.reduce_sum(weight), 1e-12)
        else:
            values[metric.name] = tf.reduce_mean(per_sample)
    return values


def own_values(logs: dict[str, Any], model: Any) -> dict[str, float]:
    """The step's own values from its logs ({} when the step did not return them)."""
    values = logs.get(VALUES)
    names = getattr(model, "_strata_batch_names", None)
    if values is None or not names:
        return {}
    return {name: float(value) for name, value in zip(names, np.ravel(values), strict=True)}


def epoch_values(logs: dict[str, float]) -> dict[str, float]:
    """Keras's own epoch values, without the last batch's own ones."""
    return {key: value for key, value in logs.items() if not key.startswith(PREFIX)}
