"""The training engine, shared by the window (in a worker thread) and the headless `train` command.

`Trainer.run()` builds the Keras model from a snapshot of the graph, compiles it for the dataset, and runs
`model.fit` in the calling thread. It talks to a `Reporter` between batches: metrics go out, and the
reporter can stop the run (within one batch), pause it (the callback blocks between batches, so the same
`fit` call, step count and optimizer state continue on resume) and change the learning rate while paused.
Every per-step value it reports is that batch's own (`models/training/batch_values.py`), not Keras's running mean.
A NaN or infinite batch loss, or one past `divergence_factor` times the first step's, stops the run within
that batch with a message that names the step. Every failure ends as a
`TrainingResult` with a plain `error`, never an exception for the caller to catch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets.base import Dataset, Split
from models.checks.problems import BuildError
from models.graph.project import model_to_dict
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig, learning_rate_at
from models.training.health_history import HealthHistory
from models.training.initial_weights import initial_weights, keep_initial

log = logging.getLogger(__name__)


FAILED = ("error", "nan", "diverged")  # statuses of a run whose model is not worth keeping


class Reporter:
    """What the Trainer tells the outside world and asks it. The default does nothing and never stops."""

    def on_train_begin(self, info: dict[str, Any]) -> None:
        """`info`: epochs, steps_per_epoch, device, samples, parameters."""

    def on_batch(self, step: int, epoch: int, batch: int, logs: dict[str, float]) -> None:
        """After every training batch, with that batch's own loss and metrics (not Keras's running means)
        and the learning rate it was trained with. Keep it cheap: buffer, do not draw."""

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """After every epoch, with validation metrics."""

    def should_stop(self) -> bool:
        return False

    def wait_if_paused(self) -> None:
        """Block while the user has paused training."""

    def new_learning_rate(self) -> float | None:
        """A learning rate the user set (while paused), or None."""
        return None

    def on_message(self, text: str) -> None:
        """A line for the training log."""

    def before_training(self, model: Any) -> None:
        """In the training thread, once the model is built and its weights are set, before the first step: the
        "before training" the replay slider starts at."""

    def after_batch(self, model: Any, step: int) -> None:
        """Hook for work in the training thread between batches (live feature maps)."""

    def on_health(self, step: int, health: dict[str, dict[str, float]]) -> None:
        """Every `health_every` steps: {layer: {statistic: value}} measured on that step (layer_health.py)."""

    def skip_evaluation(self) -> bool:
        """True when the run ends because the app is closing: no time for the evaluation pass."""
        return False


@dataclass
class TrainingResult:
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch
    final: dict[str, float] = field(default_factory=dict)
    steps: int = 0
    epochs_done: int = 0
    duration: float = 0.0
    device: str = ""
    stopped: str = "completed"  # completed | stopped | early_stopping | nan | diverged | error
    error: str = ""
    model: Any = None
    evaluation: dict[str, Any] = field(default_factory=dict)
    stopped_at: dict[str, Any] = field(default_factory=dict)  # nan / diverged: step, epoch, batch, loss
    health: HealthHistory = field(default_factory=HealthHistory)  # every layer's health every N steps

    @property
    def ok(self) -> bool:
        return self.stopped not in FAILED


def model_fingerprint(spec: ModelSpec) -> str:
    """A short hash of the architecture (layers, parameters, connections): equal models, equal prints."""
    return hashlib.sha1(json.dumps(model_to_dict(spec), sort_keys=True).encode()).hexdigest()[:12]


# ----- devices ------------------------------------------------------------------------------------------------
def choose_device(config: TrainingConfig) -> tuple[str, str]:
    """(TensorFlow device string, label for people). 'gpu' without a GPU is an error with a plain message."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if config.device == "gpu" and not gpus:
        raise RuntimeError("device 'gpu' was chosen but TensorFlow sees no GPU here; choose 'auto' or 'cpu'")
    if config.device == "cpu" or not gpus:
        return "/CPU:0", "CPU"
    return gpus[0].name, f"GPU ({gpus[0].name})"


@contextlib.contextmanager
def precision_policy(config: TrainingConfig, device_label: str):
    """mixed_float16 for the run when asked for and on a GPU; float32 otherwise (it only slows a CPU)."""
    import keras

    previous = keras.mixed_precision.global_policy().name
    use_mixed = config.mixed_precision and device_label.startswith("GPU")
    if use_mixed:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield use_mixed
    finally:
        if use_mixed:
            keras.mixed_precision.set_global_policy(previous)


# ----- data -------------------------------------------------------------------------------------------------------
def _split_dataset(split: Split, config: TrainingConfig, training: bool):
    """A batched tf.data pipeline (arrays are sliced; folders stream)."""
    import tensorflow as tf

    if split.pipeline is not None:
        data = split.pipeline
        if training and config.shuffle:
            data = data.shuffle(min(split.count, 4096), seed=config.seed, reshuffle_each_iteration=True)
    else:
        data = tf.data.Dataset.from_tensor_slices((split.x, split.y))
        if training and config.shuffle:
            data = data.shuffle(len(split.x), seed=config.seed, reshuffle_each_iteration=True)
        return data.batch(config.batch_size).prefetch(2).with_options(_untuned())
    return data.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def _untuned():
    """tf.data options with autotuning off, for batches sliced from arrays in memory: there is nothing to tune,
    and on a 2-core machine an autotuned pipeline ran about 4 epochs in 10 at half speed (48 instead of
    94 steps/s, the mode kept for the whole epoch; never with autotuning off; bench/training.py)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def steps_in(split: Split, batch_size: int) -> int:
    return max(1, math.ceil(split.count / batch_size))


# ----- the Keras callback that connects fit() to the Reporter ------------------------------------------------------
def _make_callback(reporter: Reporter, config: TrainingConfig, total_steps: int, steps_per_epoch: int,
                   result: TrainingResult, health_layout: Any = None, floor: float = 0.0):
    import keras

    from models.training import layer_health
    from models.training.batch_values import epoch_values, own_values

    class ReporterCallback(keras.callbacks.Callback):
        """Between batches: report the batch's own values, apply the learning rate, pause, stop, and stop a run
        whose loss is NaN/inf or has diverged."""

        async_safe = True  # it only reads logs; keeps Keras's async dispatch on where a backend offers it

        def __init__(self) -> None:
            super().__init__()
            self.step = 0
            self.epoch = 0
            self.base_rate = float(config.learning_rate)
            self.rate = None  # the rate last assigned, kept in Python: reading the variable back costs a sync
            self.watch = DivergenceWatch(config.divergence_factor, floor)
            self.weights_before: dict[str, Any] = {}  # host copy before a health step: its update

        def _health(self, logs: dict[str, Any]) -> None:
            """On a health step, read the step's measures and the update it made; before one, copy the weights."""
            if layer_health.VALUES in logs:  # the step that measured, whichever it was
                after = layer_health.flat_weights(self.model, health_layout)
                health = layer_health.read(logs, health_layout, self.weights_before, after)
                result.health.add(self.step, health)
                reporter.on_health(self.step, health)
                self.weights_before = {}
            if health_layout.next_step_measures():
                self.weights_before = layer_health.flat_weights(self.model, health_layout)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def _assign_rate(self) -> None:
            rate = learning_rate_at(config, self.base_rate, self.step, total_steps)
            if rate != self.rate:
                self.model.optimizer.learning_rate.assign(rate)
                self.rate = rate

        def on_train_batch_begin(self, batch, logs=None):
            self._assign_rate()

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            values = own_values(logs or {}, self.model)
            values["learning_rate"] = self.rate
            result.steps = self.step
            problem = self.watch.check(values.get("loss"), self.step, self.epoch, batch, self.rate)
            reporter.on_batch(self.step, self.epoch, batch, values)
            if problem is not None:
                result.stopped, result.error = problem
                result.stopped_at = {"step": self.step, "epoch": self.epoch + 1, "batch": batch + 1,
                                     "loss": values.get("loss")}
                reporter.on_message(result.error)
                self.model.stop_training = True
                return
            if health_layout is not None:
                self._health(logs or {})
            reporter.after_batch(self.model, self.step)
            reporter.wait_if_paused()
            new_rate = reporter.new_learning_rate()
            if new_rate is not None:
                self.base_rate = float(new_rate)
                self._assign_rate()
                reporter.on_message(f"Learning rate set to {new_rate:.3g} at step {self.step}")
            if reporter.should_stop():
                result.stopped = "stopped"
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if result.stopped in ("nan", "diverged"):
                return  # the epoch was cut short by a broken run: its means are not an epoch's
            values = {k: float(v) for k, v in epoch_values(logs or {}).items()}
            values["learning_rate"] = self.rate
            result.epochs_done = epoch + 1
            for key, value in values.items():
                result.history.setdefault(key, []).append(value)
            reporter.on_epoch(epoch, values)

    return ReporterCallback()


def guess_loss(loss: str, dataset: Dataset) -> float:
    """The cross-entropy of a uniform guess over the classes (ln K), for a classification loss; else 0. A run
    that starts from trained weights begins far below it, and one ordinary batch must not read as divergence."""
    classes = int(getattr(dataset.info, "num_classes", 0) or 0)
    if "binary_crossentropy" in loss:
        return math.log(2)  # per output unit: a guess of 0.5
    if "crossentropy" in loss and classes >= 2:
        return math.log(classes)
    return 0.0


class DivergenceWatch:
    """Stops a run whose batch loss is NaN/inf ("nan") or exceeds `factor` times its first value ("diverged").
    A loss from softmax outputs rarely becomes NaN: it explodes to millions instead, and a run that "completes"
    there has learned nothing. `factor` 0 turns the second check off."""

    def __init__(self, factor: float, floor: float = 0.0) -> None:
        self.factor = float(factor)
        self.floor = float(floor)  # the reference is never below this (a warm start's first loss can be ~0.003)
        self.reference: float | None = None  # the first step's loss (its size: a loss can be negative)

    def check(self, loss: float | None, step: int, epoch: int, batch: int, rate: float) -> tuple[str, str] | None:
        if loss is None:
            return None
        where = f"at step {step} (epoch {epoch + 1}, batch {batch + 1})"
        hint = f"Try a learning rate ten times lower ({rate / 10:.3g} instead of {rate:.3g}), or normalise the inputs."
        if not math.isfinite(loss):
            return "nan", (f"The loss became {'NaN' if math.isnan(loss) else 'infinite'} {where}. Training stopped. "
                           f"{hint}")
        if self.reference is None:
            if loss != 0 or self.floor > 0:
                self.reference = max(abs(loss), self.floor)
            return None
        if self.factor > 0 and abs(loss) > self.factor * self.reference:
            return "diverged", (f"Training diverged: the loss reached {loss:.4g} {where}, more than "
                                f"{self.factor:g} times its first value ({self.reference:.4g}"
                                f"{', or a guess' if self.reference == self.floor else ''}). Training stopped. "
                                f"{hint}")
        return None




def make_optimizer(config: TrainingConfig):
    import keras

    name, arguments = config.optimizer_arguments()
    return getattr(keras.optimizers, name)(float(config.learning_rate), **arguments)


def resolve_loss(config: TrainingConfig, dataset: Dataset, model: Any = None) -> str:
    """The loss to compile with; "auto" follows the data, and a two-class model with one output unit (the
    probability of class 1) gets binary cross-entropy."""
    if config.loss != "auto":
        return config.loss
    output = getattr(model, "output_shape", None)
    if dataset.info.task == "classification" and isinstance(output, tuple) and output[-1:] == (1,):
        return "binary_crossentropy"
    return dataset.info.suggested_loss()


def resolve_metrics(config: TrainingConfig, dataset: Dataset) -> list[str]:
    if dataset.info.task == "regression":
        return [m for m in config.metrics if m != "accuracy"] or ["mean_absolute_error"]
    if dataset.info.task == "multilabel":  # the share of labels right, each judged on its own
        return ["binary_accuracy" if m == "accuracy" else m for m in config.metrics]
    return list(config.metrics)


class DataMisfit(ValueError):  # noqa: N818 (a finding, like ShapeProblem)
    """The dataset does not fit the model (its message lists why, in plain words)."""


def refuse_misfit(spec: ModelSpec, dataset: Dataset) -> None:
    """Refuse, before building anything, a model the data cannot train: Keras would fail later with a
    graph-execution error that names neither the layer nor the shapes."""
    from models.checks.data_fit import check_fit
    from models.checks.validate import validate

    report = validate(spec)
    if not report.valid:
        raise BuildError(report)
    fit = check_fit(spec, dataset.info, report)
    if not fit.fits:
        reasons = "; ".join(fit.problems)
        raise DataMisfit(f"The data does not fit the model: {reasons}. Adapt the model to the data (the Fix on "
                         "the marked layer, or the Data panel's Adapt button) and train again.")


class StoppedBeforeTraining(Exception):  # noqa: N818 (a request, not a failure)
    """Stop was asked while the model was still being built or compiled."""


class Trainer:
    """One training run. `strategy`: a tf.distribute strategy (or None) whose scope builds and compiles."""

    def __init__(self, spec: ModelSpec, dataset: Dataset, config: TrainingConfig, reporter: Reporter | None = None,
                 strategy: Any = None, model: Any = None, start_from: Any = None) -> None:
        self.spec = spec.copy()  # a snapshot: the editor may change while this runs
        self.dataset = dataset
        self.config = config
        self.reporter = reporter or Reporter()
        self.strategy = strategy
        self.model = model  # continue training an earlier run's model
        self.start_from = start_from  # a model whose weights a newly built one takes where its layers match

    def run(self) -> TrainingResult:
        result = TrainingResult()
        start = time.perf_counter()
        try:
            self._run(result)
        except (BuildError, DataMisfit) as error:
            result.stopped, result.error = "error", str(error)
        except StoppedBeforeTraining:
            result.stopped = "stopped"
        except Exception as error:  # out of memory, data that does not fit, a Keras complaint: say it plainly
            log.exception("training failed")
            from models.checks.tf_errors import plain_training_error

            result.stopped = "error"
            result.error = plain_training_error(error, self.spec.nodes, self.config.batch_size)
        result.duration = time.perf_counter() - start
        if result.error:
            self.reporter.on_message(result.error)
        return result

    def _run(self, result: TrainingResult) -> None:
        import keras
        import tensorflow as tf

        from models.training.distributed_loop import DistributedLoop, evaluate_run, is_multiworker

        config, dataset = self.config, self.dataset
        refuse_misfit(self.spec, dataset)
        device, result.device = choose_device(config)
        if self.strategy is not None:
            name = type(self.strategy).__name__.replace("CollectiveAllReduceStrategy", "MultiWorkerMirroredStrategy")
            result.device = f"{name} over {self.strategy.num_replicas_in_sync} device(s)"
        keras.utils.set_random_seed(config.seed)
        train = _split_dataset(dataset.train, config, training=True)
        validation = _split_dataset(dataset.validation, config, False) if dataset.validation else None
        steps_per_epoch = steps_in(dataset.train, config.batch_size)
        if config.steps_per_epoch:
            steps_per_epoch = min(steps_per_epoch, config.steps_per_epoch)
            train = train.repeat()
        total_steps = steps_per_epoch * config.epochs
        scope = self.strategy.scope() if self.strategy is not None else tf.device(device)
        custom_loop = self.strategy is not None and is_multiworker(self.strategy)
        loop = None
        with precision_policy(config, result.device) as mixed, scope:
            model = self.model or self._build()
            if self.model is None and self.start_from is not None:
                self._warm_start(model)
            if custom_loop:  # Keras's fit fails under MultiWorkerMirroredStrategy with two workers
                if mixed:
                    self.reporter.on_message("Multiworker training computes in float32 (mixed precision is off).")
                loop = DistributedLoop(model, self.strategy, dataset, config, self._optimizer_for(model),
                                       resolve_loss(config, dataset, model), resolve_metrics(config, dataset),
                                       self.reporter)
                steps_per_epoch = loop.steps_per_epoch
            else:
                model.compile(optimizer=self._optimizer_for(model), loss=resolve_loss(config, dataset, model),
                              metrics=resolve_metrics(config, dataset), jit_compile="auto" if config.xla else False)
            self.reporter.on_train_begin({
                "epochs": config.epochs, "steps_per_epoch": steps_per_epoch, "device": result.device,
                "samples": dataset.train.count, "parameters": model.count_params(), "mixed_precision": mixed})
            self.reporter.on_message(f"Training on {result.device}: {dataset.train.count:,} samples, {config.epochs} "
                                     f"epoch(s) of {steps_per_epoch} step(s), batch {config.batch_size}")
            if self.reporter.should_stop():  # asked while building and compiling: no step was taken
                raise StoppedBeforeTraining()
            if initial_weights(model) is None:  # a continued run keeps the weights its first run started from
                note = keep_initial(model)
                if note:
                    self.reporter.on_message(note)
            self.reporter.before_training(model)
            if loop is not None:
                loop.fit(result, DivergenceWatch(config.divergence_factor,
                                                 guess_loss(resolve_loss(config, dataset, model), dataset)))
            else:
                self._fit(model, train, validation, total_steps, steps_per_epoch, result)
        result.model = model
        if result.stopped == "completed" and result.epochs_done < config.epochs:
            result.stopped = "early_stopping"
        result.final = {k: v[-1] for k, v in result.history.items() if v}
        if result.ok and not self.reporter.skip_evaluation():
            try:  # an evaluation problem must not turn a good run into a failed one
                result.evaluation = (evaluate_run(loop, dataset, config, dataset.info.num_classes) if loop
                                     else evaluate(model, dataset, config))
            except Exception as error:  # noqa: BLE001
                log.exception("evaluation failed")
                self.reporter.on_message(f"The evaluation after training failed: {error}")

    def _fit(self, model: Any, train: Any, validation: Any, total_steps: int, steps_per_epoch: int,
             result: TrainingResult) -> None:
        """Keras's own fit, connected to the Reporter by a callback."""
        import keras

        from models.training import batch_values, layer_health

        config = self.config
        floor = guess_loss(resolve_loss(config, self.dataset, model), self.dataset)
        if config.early_stopping and validation is None:
            self.reporter.on_message("Early stopping watches the validation loss, and this dataset has no "
                                     "validation data: it is off for this run.")
        try:
            batch_values.install(model)
            health = layer_health.install(model, config.health_every)
            callbacks = [_make_callback(self.reporter, config, total_steps, steps_per_epoch, result, health, floor)]
            if config.early_stopping and validation is not None:
                callbacks.append(keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True))
            model.fit(train, validation_data=validation, epochs=config.epochs, shuffle=False,  # shuffled above
                      steps_per_epoch=steps_per_epoch if config.steps_per_epoch else None, callbacks=callbacks,
                      verbose=0)
        finally:
            layer_health.uninstall(model)
            batch_values.uninstall(model)

    def _warm_start(self, model: Any) -> None:
        from models.training.warm_start import warm_start

        copied, fresh = warm_start(model, self.start_from)
        left = f"; starting afresh: {', '.join(fresh[:5])}{' and more' if len(fresh) > 5 else ''}" if fresh else ""
        self.reporter.on_message(f"Starting from the pretrained weights of {len(copied)} of "
                                 f"{len(copied) + len(fresh)} layers with weights{left}")

    def _build(self) -> Any:
        """The model, its initial weights from the run's seed alone: seeded and built under the lock every
        build takes (another thread building at the same time would draw from the same generator)."""
        import keras

        from models.building.builder import BUILD_LOCK, BuildStopped, build

        try:
            with BUILD_LOCK:
                keras.utils.set_random_seed(self.config.seed)
                return build(self.spec, should_stop=self.reporter.should_stop).model
        except BuildStopped:
            raise StoppedBeforeTraining() from None

    def _optimizer_for(self, model: Any):
        """A model that was trained before continues with its own optimizer and its state (moments, step
        count), as a resumed pause does, when the settings still name that optimizer; the rate is the
        settings'. Otherwise, or for a new model, a fresh optimizer from the settings."""
        previous = getattr(model, "optimizer", None)
        previous = getattr(previous, "inner_optimizer", previous)  # mixed precision wraps it in loss scaling
        wanted = self.config.optimizer_arguments()[0]
        if previous is None or type(previous).__name__ != wanted or not previous.variables:
            if previous is not None and self.model is not None:
                self.reporter.on_message(f"The model's {type(previous).__name__} optimizer is replaced by a new "
                                         f"{wanted}: its state starts afresh.")
            return make_optimizer(self.config)
        previous.learning_rate.assign(float(self.config.learning_rate))
        steps = int(previous.iterations.numpy())
        self.reporter.on_message(f"Continuing with the model's {wanted} optimizer and its state "
                                 f"({steps:,} steps taken so far).")
        return previous


def evaluate(model: Any, dataset: Dataset, config: TrainingConfig) -> dict[str, Any]:
    """On the test split (else validation): Keras's own metrics for every task, plus for classification a
    confusion matrix and per-class precision / recall."""
    split = dataset.test or dataset.validation
    if split is None:
        return {}
    name = "test" if dataset.test else "validation"
    data = _split_dataset(split, config, training=False)
    metrics = model.evaluate(data, verbose=0, return_dict=True)
    result: dict[str, Any] = {"split": name, "metrics": {k: float(v) for k, v in metrics.items()}}
    if dataset.info.task == "classification":
        result.update(confusion(model, data, dataset.info.num_classes))
        result["class_names"] = list(dataset.info.class_names)
    return result


def confusion(model: Any, data: Any, classes: int) -> dict[str, Any]:
    """Confusion matrix (rows: true class) with precision and recall. A one-unit output is a probability
    (threshold 0.5); predictions beyond the known classes are counted as wrong, never an error."""
    predictions, labels = [], []
    for x, y in data:
        output = np.asarray(model(x, training=False))
        if output.ndim == 1 or output.shape[-1] == 1:
            predictions.append((output.reshape(-1) >= 0.5).astype(np.int64))
        else:
            predictions.append(np.argmax(output, axis=-1))
        labels.append(np.asarray(y).reshape(-1))
    predicted, actual = np.concatenate(predictions), np.concatenate(labels).astype(np.int64)
    outside = predicted >= classes
    predicted = np.where(outside, (actual + 1) % max(classes, 1), predicted)  # wrong, inside the matrix
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (actual, predicted), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(matrix.sum(axis=0) > 0, np.diag(matrix) / matrix.sum(axis=0), 0.0)
        recall = np.where(matrix.sum(axis=1) > 0, np.diag(matrix) / matrix.sum(axis=1), 0.0)
    return {"accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)), "confusion_matrix": matrix.tolist(),
            "precision": precision.tolist(), "recall": recall.tolist(), "outside_classes": int(outside.sum())}
