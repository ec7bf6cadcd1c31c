"""Layer health while training, measured on the step itself: every `every` steps, per layer, the norm of its
weights' gradients, the size of the update the optimizer made relative to the weights, the mean and spread of
its output, and the share of its ReLU units that gave zero for the whole batch.

No extra forward or backward pass: the train step is hooked (as `batch_values` does) so each layer's output and
the gradients the optimizer receives are the step's own tensors, and the reductions run inside that compiled
step. It is a second compiled step, called every `every` steps instead of the plain one (traced when first
used): the other steps run exactly as without health. The update is the difference of the weights
before and after the health step, read on the host (one copy of the weights every `every` steps, never a host
sync per batch). The values come back in the step's logs under `batch/health`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

VALUES = "batch/health"  # under batch/: not one of the epoch's metrics (batch_values.epoch_values)
ACTIVATION_STATS = ("activation_mean", "activation_std", "dead_share")
STATS = ("gradient_norm", "weight_norm", "update_ratio", *ACTIVATION_STATS)
DEAD_LIMIT = 0.5
UPDATE_RANGE = (1e-5, 1e-1)  # update / weight per step: ~1e-3 is the rule of thumb (Karpathy, CS231n)
VANISHING_RATIO = 1e-4  # a layer's gradient this much smaller than the largest layer's
EXPLODING_NORM = 1e3


@dataclass
class HealthLayout:
    """The order of the values in the step's health vector, fixed when the step is traced."""

    every: int
    weighted: list[str] = field(default_factory=list)  # layers with trainable weights: gradient norms
    observed: list[str] = field(default_factory=list)  # layers whose outputs are measured
    relu: set[str] = field(default_factory=set)  # ... of which these have ReLU units
    calls: int = 0  # steps the hooked train function has taken in this fit


    def next_step_measures(self) -> bool:
        """Whether the next step is a measuring one (copy the weights before it, for its update)."""
        return (self.calls + 1) % self.every == 0


def _is_relu(layer: Any) -> bool:
    activation = getattr(getattr(layer, "activation", None), "__name__", "")
    return activation == "relu" or type(layer).__name__ == "ReLU"


def _measure(layout: HealthLayout, owner: dict[int, str], gradients: list, outputs: dict[str, Any], scale: Any):
    """The health vector of one step, from its own gradients and layer outputs (inside the compiled step)."""
    import tensorflow as tf

    squares = {name: tf.constant(0.0) for name in layout.weighted}
    for gradient, variable in gradients:
        name = owner.get(id(variable))
        if gradient is not None and name is not None:
            value = tf.cast(tf.convert_to_tensor(gradient), "float32")
            if scale is not None:
                value = value / tf.cast(scale, "float32")
            squares[name] = squares[name] + tf.reduce_sum(tf.square(value))
    values = [tf.sqrt(squares[name]) for name in layout.weighted]
    nothing = tf.constant(np.nan, "float32")
    for name in layout.observed:
        output = outputs.get(name)
        if output is None or isinstance(output, (list, tuple)) or not output.dtype.is_floating:
            values += [nothing, nothing, nothing]
            continue
        output = tf.cast(output, "float32")
        values += [tf.reduce_mean(output), tf.math.reduce_std(output)]
        if name in layout.relu and output.shape.rank and output.shape.rank >= 2:
            flat = tf.reshape(output, [-1, tf.shape(output)[-1]])
            values.append(tf.reduce_mean(tf.cast(tf.reduce_all(flat <= 0, axis=0), "float32")))
        else:
            values.append(nothing)
    return tf.stack(values)


def _record_outputs(layers: list, seen: dict[int, dict[str, Any]]) -> dict[int, Any]:
    """Each layer's call keeps its output (per tracing thread) for the train step to measure; returns the calls
    that were set on the layers themselves before (to put back)."""
    earlier = {id(layer): layer.__dict__.get("call") for layer in layers}

    def record(layer: Any) -> None:
        original = layer.call

        def call(*args, **kwargs):
            output = original(*args, **kwargs)
            if kwargs.get("training", True) is not False:
                seen.setdefault(threading.get_ident(), {}).setdefault("outputs", {})[layer.name] = output
            return output

        layer.call = call

    for layer in layers:
        record(layer)
    return earlier


def install(model: Any, every: int) -> HealthLayout | None:
    """Hook `model` (compiled, before `fit`) so every `every`-th train step also returns its layers' health;
    None (nothing hooked) when `every` is 0 or the model is trained under a distribution strategy."""
    import tensorflow as tf

    if every <= 0 or getattr(model, "_strata_health", None) is not None:
        return getattr(model, "_strata_health", None)
    if tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        return None
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    layout = HealthLayout(every, [layer.name for layer in layers if layer.trainable_weights],
                          [layer.name for layer in layers], {layer.name for layer in layers if _is_relu(layer)})
    owner = {id(variable): layer.name for layer in layers for variable in layer.trainable_weights}
    seen: dict[int, dict[str, Any]] = {}

    earlier_calls = _record_outputs(layers, seen)
    optimizer = model.optimizer
    original_apply = optimizer.apply_gradients

    def apply_gradients(grads_and_vars, *args, **kwargs):
        pairs = list(grads_and_vars)
        mine = seen.setdefault(threading.get_ident(), {})
        mine["gradients"] = pairs
        scale = getattr(optimizer, "dynamic_scale", None)  # mixed precision: read before the step changes it
        mine["scale"] = tf.identity(scale) if scale is not None else None
        return original_apply(pairs, *args, **kwargs)

    original_train_step = model.train_step

    def train_step(data):
        mine = seen.setdefault(threading.get_ident(), {})
        mine.clear()
        logs = original_train_step(data)
        if not isinstance(logs, dict):
            return logs
        logs = dict(logs)  # under mixed precision the gradients are of the scaled loss: divided by its scale
        logs[VALUES] = _measure(layout, owner, mine.get("gradients", []), mine.get("outputs", {}), mine.get("scale"))
        return logs

    def make_train_function(force: bool = False):
        """Two compiled steps, the plain one and the measuring one, and every `every`-th call the second: the
        other steps run exactly as without health (a tf.cond in one step cost ~5% on a small CNN)."""
        if model.train_function is not None and not force:
            return model.train_function
        plain, measuring = model._make_function(original_train_step), model._make_function(train_step)
        layout.calls = 0

        def train_function(iterator):
            layout.calls += 1
            try:
                return (measuring if layout.calls % every == 0 else plain)(iterator)
            except (StopIteration, tf.errors.OutOfRangeError):
                layout.calls -= 1  # the data ended (an epoch of unknown length): no step was taken
                raise

        model.train_function = train_function
        return train_function

    restore = (model.__dict__.get("make_train_function"), optimizer.__dict__.get("apply_gradients"), layers,
               earlier_calls)
    optimizer.apply_gradients = apply_gradients
    model.make_train_function = make_train_function
    model._strata_health = layout
    model._strata_health_restore = restore
    model.train_function = None
    return layout


def uninstall(model: Any) -> None:
    """Remove the hooks (a saved or retrained model is plain Keras again)."""
    restore = model.__dict__.pop("_strata_health_restore", None)
    if restore is None:
        return
    make_train_function, apply_gradients, layers, calls = restore  # what was set there before, if anything
    for layer in layers:
        layer.__dict__.pop("call", None)
        if calls.get(id(layer)) is not None:
            layer.call = calls[id(layer)]
    for owner, name, earlier in ((model.optimizer, "apply_gradients", apply_gradients),
                                 (model, "make_train_function", make_train_function)):
        owner.__dict__.pop(name, None)
        if earlier is not None:
            setattr(owner, name, earlier)
    model.__dict__.pop("_strata_health", None)
    model.train_function = None


def read(logs: dict[str, Any], layout: HealthLayout, before: dict[str, np.ndarray],
         after: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """{layer: {stat: value}} from a health step's logs and the layers' weights before and after it."""
    values = np.ravel(np.asarray(logs[VALUES], dtype=np.float64))
    health: dict[str, dict[str, float]] = {}
    for index, name in enumerate(layout.weighted):
        weights_before, weights_after = before.get(name), after.get(name)
        norm = float(np.linalg.norm(weights_before)) if weights_before is not None else float("nan")
        update = float(np.linalg.norm(weights_after - weights_before)) if weights_before is not None else float("nan")
        health[name] = {"gradient_norm": float(values[index]), "weight_norm": norm,
                        "update_ratio": update / norm if norm > 0 else float("nan")}
    offset = len(layout.weighted)
    for index, name in enumerate(layout.observed):
        mean, std, dead = values[offset + 3 * index: offset + 3 * index + 3]
        entry = health.setdefault(name, {})
        entry.update(activation_mean=float(mean), activation_std=float(std))
        if not np.isnan(dead):
            entry["dead_share"] = float(dead)
    return health


def flat_weights(model: Any, layout: HealthLayout) -> dict[str, np.ndarray]:
    """Each weighted layer's trainable weights as one vector (the host copy the update is measured against)."""
    return {name: np.concatenate([np.ravel(np.asarray(v)) for v in model.get_layer(name).trainable_weights])
            for name in layout.weighted}


def warnings_for(health: dict[str, dict[str, float]]) -> dict[str, list[str]]:
    """Plain warnings per layer: vanishing or exploding gradients, updates far from ~1e-3 of the weights, more
    than half the units dead."""
    norms = [stats["gradient_norm"] for stats in health.values()
             if np.isfinite(stats.get("gradient_norm", np.nan))]
    largest = max(norms, default=0.0)
    found: dict[str, list[str]] = {}
    for name, stats in health.items():
        notes = []
        gradient = stats.get("gradient_norm")
        if gradient is not None:
            if not np.isfinite(gradient) or gradient > EXPLODING_NORM:
                notes.append(f"exploding gradients (norm {gradient:.3g})")
            elif largest > 0 and gradient < VANISHING_RATIO * largest:
                notes.append(f"vanishing gradients: {largest / max(gradient, 1e-30):.2g}x smaller than the "
                             "largest layer's")
        ratio = stats.get("update_ratio")
        if ratio is not None and np.isfinite(ratio) and ratio > 0:
            if ratio > UPDATE_RANGE[1]:
                notes.append(f"each step changes its weights by {ratio:.1%}: the learning rate may be too high")
            elif ratio < UPDATE_RANGE[0]:
                notes.append(f"each step changes its weights by only {ratio:.1e} of their size: learning barely "
                             "moves them")
        dead = stats.get("dead_share")
        if dead is not None and dead > DEAD_LIMIT:
            notes.append(f"{dead:.0%} of its ReLU units gave zero for the whole batch (dead)")
        if notes:
            found[name] = notes
    return found
