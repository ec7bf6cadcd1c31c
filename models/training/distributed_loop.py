"""Training under MultiWorkerMirroredStrategy with a distributed custom loop.

Keras 3.15's `fit` fails under this strategy as soon as there are two workers ("Attempt to convert a value
(PerReplica:{...}) with an unsupported type", keras-team/keras#20585, tensorflow/tensorflow#72388), so Strata
trains there the way TensorFlow's own multi-worker guide does: `strategy.run` of one step inside a
`tf.function`, over `strategy.experimental_distribute_dataset`, with the loss averaged over the global batch
and the gradients all-reduced by the optimizer. Everything else is what `fit` gives: the same Reporter calls
(each step's own loss and metrics, the learning rate, pause, stop, divergence), per-epoch history with
validation, early stopping with the best weights restored, and the run's evaluation.

Every worker must take the same number of steps, or the collective ops wait forever: batches are whole
(drop_remainder), and a stop asked on one worker travels with the next step's all-reduce, so all stop together.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from datasets.base import Dataset, Split
from models.training.config import TrainingConfig, learning_rate_at

SUPPORTED_METRICS = ("accuracy", "binary_accuracy", "mean_absolute_error")


def is_multiworker(strategy: Any) -> bool:
    """MultiWorkerMirroredStrategy (its class is CollectiveAllReduceStrategy underneath)."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or \
        type(strategy).__name__ == "CollectiveAllReduceStrategy"


def _batches(split: Split, batch: int, config: TrainingConfig, training: bool):
    """Whole global batches only (every worker the same number of steps), sharded by data, not by file."""
    import tensorflow as tf

    data = split.pipeline if split.pipeline is not None else tf.data.Dataset.from_tensor_slices((split.x, split.y))
    if training and config.shuffle:
        data = data.shuffle(min(split.count, 4096), seed=config.seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = data.batch(batch, drop_remainder=True)
    return (data.repeat() if training and config.steps_per_epoch else data).prefetch(2).with_options(options)


def _metric_sums(name: str, y, prediction):
    """The sum over a replica's samples of one metric (divided by the global count after the all-reduce)."""
    import tensorflow as tf

    y = tf.convert_to_tensor(y)
    if name == "mean_absolute_error":
        per = tf.reduce_mean(tf.abs(tf.cast(tf.reshape(y, tf.shape(prediction)), prediction.dtype) - prediction),
                             axis=-1)
        return tf.reduce_sum(tf.cast(per, tf.float32))
    if name == "binary_accuracy" or prediction.shape[-1] == 1:
        guess = tf.cast(prediction >= 0.5, tf.float32)
        right = tf.cast(tf.equal(guess, tf.cast(tf.reshape(y, tf.shape(guess)), tf.float32)), tf.float32)
        return tf.reduce_sum(tf.reduce_mean(right, axis=-1))
    guess = tf.argmax(prediction, axis=-1)
    return tf.reduce_sum(tf.cast(tf.equal(guess, tf.cast(tf.reshape(y, tf.shape(guess)), guess.dtype)), tf.float32))


class DistributedLoop:
    """One run's steps under `strategy`; `fit` fills `result` as Trainer's Keras callback does."""

    def __init__(self, model: Any, strategy: Any, dataset: Dataset, config: TrainingConfig, optimizer: Any,
                 loss_name: str, metrics: list[str], reporter: Any) -> None:
        import keras

        self.model, self.strategy, self.dataset, self.config = model, strategy, dataset, config
        self.optimizer, self.reporter = optimizer, reporter
        self.loss_fn = keras.losses.get(loss_name)
        self.metrics = [m for m in metrics if m in SUPPORTED_METRICS]
        left_out = [m for m in metrics if m not in SUPPORTED_METRICS]
        if left_out:
            reporter.on_message(f"Under multiworker training Strata measures the loss and "
                                f"{', '.join(SUPPORTED_METRICS)}; not {', '.join(left_out)}.")
        self.batch = config.batch_size
        replicas = strategy.num_replicas_in_sync
        if self.batch % replicas:
            raise ValueError(f"batch_size {self.batch} must be a multiple of the {replicas} replicas in the cluster")
        if dataset.train.count < self.batch:
            raise ValueError(f"the training set ({dataset.train.count} samples) is smaller than one batch "
                             f"({self.batch})")
        if not optimizer.built:  # its slots made here, in the strategy's scope, not inside a replica's step
            optimizer.build(model.trainable_variables)
        self.steps_per_epoch = dataset.train.count // self.batch
        if config.steps_per_epoch:
            self.steps_per_epoch = min(self.steps_per_epoch, config.steps_per_epoch)
        self._train_step = self._make_train_step()
        self._eval_step = self._make_eval_step()

    # ----- the compiled steps ------------------------------------------------------------------------------------
    def _make_train_step(self):
        import tensorflow as tf

        model, optimizer, loss_fn, metrics, batch = self.model, self.optimizer, self.loss_fn, self.metrics, self.batch
        strategy = self.strategy

        def step(x, y, stop):
            with tf.GradientTape() as tape:
                prediction = model(x, training=True)
                per_sample = tf.cast(loss_fn(y, prediction), tf.float32)
                loss = tf.nn.compute_average_loss(per_sample, global_batch_size=batch)
                if model.losses:  # weight regularisers: each replica adds its share
                    loss += tf.nn.scale_regularization_loss(tf.add_n([tf.cast(v, tf.float32) for v in model.losses]))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
            return [loss, stop, *(_metric_sums(name, y, prediction) for name in metrics)]

        @tf.function
        def train_step(iterator, stop):
            x, y = next(iterator)
            values = strategy.run(step, args=(x, y, stop))
            return [strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None) for value in values]

        return train_step

    def _make_eval_step(self):
        import tensorflow as tf

        model, loss_fn, metrics, strategy = self.model, self.loss_fn, self.metrics, self.strategy

        def step(x, y):
            prediction = model(x, training=False)
            per_sample = tf.cast(loss_fn(y, prediction), tf.float32)
            count = tf.cast(tf.shape(per_sample)[0], tf.float32)
            return [tf.reduce_sum(per_sample), count, *(_metric_sums(name, y, prediction) for name in metrics)]

        @tf.function
        def eval_step(x, y):
            values = strategy.run(step, args=(x, y))
            return [strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None) for value in values]

        return eval_step

    # ----- the run -----------------------------------------------------------------------------------------------
    def fit(self, result: Any, watch: Any) -> None:
        """Train `config.epochs` epochs (fewer when stopped, diverged or stopping early), reporting as `fit`."""
        config = self.config
        self.total_steps = self.steps_per_epoch * config.epochs
        batches = self.strategy.experimental_distribute_dataset(
            _batches(self.dataset.train, self.batch, config, training=True))
        iterator = iter(batches)
        self.base_rate, self.rate, self.step, self.stop_asked = float(config.learning_rate), None, 0, 0.0
        best, waited = (math.inf, None), 0  # (val_loss, weights), epochs without improvement
        for epoch in range(config.epochs):
            if epoch and not config.steps_per_epoch:  # a new pass, reshuffled, as fit iterates each epoch
                iterator = iter(batches)
            sums = self._epoch(iterator, epoch, result, watch)
            if sums is None:
                return  # stopped or diverged within the epoch
            logs = {key: float(np.mean(values)) for key, values in sums.items()}
            logs.update(self.evaluate(self.dataset.validation, prefix="val_"))
            logs["learning_rate"] = self.rate
            result.epochs_done = epoch + 1
            for key, value in logs.items():
                result.history.setdefault(key, []).append(value)
            self.reporter.on_epoch(epoch, logs)
            if config.early_stopping and "val_loss" in logs:
                if logs["val_loss"] < best[0]:
                    best, waited = (logs["val_loss"], self.model.get_weights()), 0
                elif (waited := waited + 1) >= config.patience:
                    self.model.set_weights(best[1])  # as Keras's EarlyStopping(restore_best_weights=True)
                    return

    def _epoch(self, iterator: Any, epoch: int, result: Any, watch: Any) -> dict[str, list[float]] | None:
        """One epoch's steps; each step's own values to the Reporter. None when the run ends within it."""
        import tensorflow as tf

        config, reporter = self.config, self.reporter
        sums: dict[str, list[float]] = {}
        for batch in range(self.steps_per_epoch):
            rate = learning_rate_at(config, self.base_rate, self.step, self.total_steps)
            if rate != self.rate:
                self.optimizer.learning_rate.assign(rate)
                self.rate = rate
            loss, stops, *metric_sums = self._train_step(iterator, tf.constant(self.stop_asked))
            self.step += 1
            values = {"loss": float(loss), **{m: float(v) / self.batch for m, v in
                                              zip(self.metrics, metric_sums, strict=True)}}
            for key, value in values.items():
                sums.setdefault(key, []).append(value)
            values["learning_rate"] = self.rate
            result.steps = self.step
            problem = watch.check(values["loss"], self.step, epoch, batch, self.rate)
            reporter.on_batch(self.step, epoch, batch, values)
            if problem is not None:  # every worker sees the same all-reduced loss: all stop here together
                result.stopped, result.error = problem
                result.stopped_at = {"step": self.step, "epoch": epoch + 1, "batch": batch + 1,
                                     "loss": values["loss"]}
                reporter.on_message(result.error)
                return None
            if float(stops) > 0:  # a stop asked on any worker, one step ago
                result.stopped = "stopped"
                return None
            reporter.after_batch(self.model, self.step)
            reporter.wait_if_paused()
            asked_rate = reporter.new_learning_rate()
            if asked_rate is not None:
                self.base_rate = float(asked_rate)
                reporter.on_message(f"Learning rate set to {asked_rate:.3g} at step {self.step}")
            self.stop_asked = 1.0 if reporter.should_stop() else 0.0
        return sums

    def evaluate(self, split: Split | None, prefix: str = "") -> dict[str, float]:
        """Mean loss and metrics over `split` in whole global batches (none when it is smaller than one)."""
        if split is None:
            return {}
        replicas = self.strategy.num_replicas_in_sync
        batch = min(self.batch, split.count - split.count % replicas)
        if batch < replicas:
            return {}
        data = self.strategy.experimental_distribute_dataset(_batches(split, batch, self.config, training=False))
        totals = None
        for x, y in data:
            values = [float(v) for v in self._eval_step(x, y)]
            totals = values if totals is None else [a + b for a, b in zip(totals, values, strict=True)]
        if not totals or totals[1] == 0:
            return {}
        loss_sum, count, *metric_sums = totals
        return {f"{prefix}loss": loss_sum / count,
                **{f"{prefix}{m}": value / count for m, value in zip(self.metrics, metric_sums, strict=True)}}


def evaluate_run(loop: DistributedLoop, dataset: Dataset, config: TrainingConfig, classes: int) -> dict[str, Any]:
    """The run's evaluation as `trainer.evaluate` gives it after `fit`: the metrics on the test split (else the
    validation split), and for classification the confusion matrix, each worker computing it on its own."""
    from models.training.trainer import _split_dataset, confusion

    split = dataset.test or dataset.validation
    if split is None:
        return {}
    name = "test" if dataset.test else "validation"
    result: dict[str, Any] = {"split": name, "metrics": loop.evaluate(split)}
    if dataset.info.task == "classification":
        result.update(confusion(loop.model, _split_dataset(split, config, training=False), classes))
        result["class_names"] = list(dataset.info.class_names)
    return result
