"""Pre-flight: four quick checks before a long run, each ending in one pass / warn / fail line and a fix.

1. Overfit one small batch: a model that can learn anything drives the loss on 16 samples near zero in a few
   hundred steps; one that cannot has a bug (labels, output layer, a frozen network) no epoch count will fix.
2. Learning-rate range test (Smith 2017, as fastai's lr_find): the rate grows exponentially over ~100 steps
   while the loss is recorded; the suggestion is one order of magnitude below the rate of the lowest loss.
3. The data: empty classes, one class dominating, labels outside the model's output units, non-finite values.
4. Will it fit: weights, gradients, optimizer state and training activations at the batch size against the
   device's memory (the GPU's, else the machine's RAM), with the largest batch size that fits.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import numpy as np

from datasets.base import Dataset
from models.checks.validate import ValidationReport, validate
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig

PASS, WARN, FAIL = "pass", "warn", "fail"
OVERFIT_SAMPLES = 16
OVERFIT_STEPS = 300
RANGE_STEPS = 100
RANGE_LOW, RANGE_HIGH = 1e-7, 10.0
RANGE_SMOOTHING = 0.9  # fastai's 0.98 lags ~50 steps, four decades of rate over 100 steps; 0.9 lags ~10
OPTIMIZER_SLOTS = {"adam": 2, "adamw": 2, "rmsprop": 1, "sgd": 1}  # state per trainable weight (sgd: momentum)


@dataclasses.dataclass
class CheckResult:
    """One check's verdict: `line` in plain words, `fix` what to do (None: nothing to do), `data` for a plot
    or a button (the range test's rates and losses and its suggested rate; the largest batch that fits)."""

    name: str
    status: str
    line: str
    fix: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class CheckStopped(Exception):  # noqa: N818 (a request, not a failure)
    """The user cancelled the checks."""


Progress = Callable[[str, float], None]  # (what is running, fraction done)


def _compiled(spec: ModelSpec, dataset: Dataset, config: TrainingConfig):
    import keras

    from models.building.builder import build
    from models.training.trainer import make_optimizer, resolve_loss

    keras.utils.set_random_seed(config.seed)
    model = build(spec).model
    model.compile(optimizer=make_optimizer(config), loss=resolve_loss(config, dataset, model), jit_compile=False)
    return model


def small_batch(dataset: Dataset, count: int = OVERFIT_SAMPLES, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x, y = dataset.preview(count, seed=seed)
    return np.asarray(x, dtype=np.float32 if dataset.info.input_dtype.startswith("float") else None), np.asarray(y)


def overfit_one_batch(spec: ModelSpec, dataset: Dataset, config: TrainingConfig, steps: int = OVERFIT_STEPS,
                      progress: Progress | None = None, stop: Callable[[], bool] = lambda: False) -> CheckResult:
    """Train on one batch of 16 samples with the project's optimizer and learning rate until the loss is near
    zero (under 5% of where it began) or `steps` pass."""
    if validate(spec).trainable_params == 0:
        return CheckResult("overfit", FAIL, "The model has no trainable weights: every layer is frozen, so training "
                           "changes nothing.", "Unfreeze the layers to train (trainable in the inspector).")
    x, y = small_batch(dataset)
    model = _compiled(spec, dataset, config)
    first = last = float(model.train_on_batch(x, y))
    losses = [first]
    for step in range(1, steps + 1):
        if stop():
            raise CheckStopped()
        last = float(model.train_on_batch(x, y))
        losses.append(last)
        if progress is not None and step % 10 == 0:
            progress("Overfitting one batch", step / steps)
        if not math.isfinite(last) or last <= 0.05 * abs(first) or last < 1e-4:
            break
    taken = len(losses) - 1
    correct = _batch_accuracy(model, x, y) if dataset.info.task == "classification" else None
    data = {"losses": losses, "samples": len(x), "accuracy": correct}
    if not math.isfinite(last):
        return CheckResult("overfit", FAIL, f"One batch of {len(x)} samples: the loss became {last} after {taken} "
                           "steps.", "Lower the learning rate ten times, or normalise the inputs.", data)
    said = f"One batch of {len(x)} samples: the loss went from {first:.3g} to {last:.3g} in {taken} steps"
    if correct is not None:
        said += f", {correct:.0%} of them right"
    if last <= 0.05 * abs(first) or last < 1e-4 or correct == 1.0:
        return CheckResult("overfit", PASS, f"{said}: the model can learn.", None, data)
    frozen = [node.id for node in spec.nodes.values() if node.params.get("trainable") is False]
    if frozen:
        names = ", ".join(frozen[:4]) + (f" and {len(frozen) - 4} more" if len(frozen) > 4 else "")
        fix = (f"Unfreeze some of the frozen layers ({names}): what is left to train cannot fit these samples; or "
               "train longer with a higher learning rate.")
    else:
        fix = ("Check the output layer (units and activation) against the labels; a higher learning rate (the "
               "range test suggests one) or a wider model if the loss fell but not to zero.")
    return CheckResult("overfit", FAIL, f"{said}: it cannot fit even these samples, so it will not learn the "
                       "dataset.", fix, data)


def _batch_accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    output = np.asarray(model(x, training=False))
    predicted = (output.reshape(-1) >= 0.5).astype(np.int64) if output.shape[-1] == 1 else np.argmax(output, -1)
    return float(np.mean(predicted.reshape(-1) == np.asarray(y).reshape(-1).astype(np.int64)))


def learning_rate_range(spec: ModelSpec, dataset: Dataset, config: TrainingConfig, steps: int = RANGE_STEPS,
                        progress: Progress | None = None, stop: Callable[[], bool] = lambda: False) -> CheckResult:
    """Raise the rate from 1e-7 to 10 exponentially over `steps` training batches from a fresh model; the loss,
    smoothed (a debiased exponential average), is lowest at some rate: suggest a tenth of it."""
    from models.training.trainer import _split_dataset

    model = _compiled(spec, dataset, config)
    rates = np.geomspace(RANGE_LOW, RANGE_HIGH, steps)
    batches = iter(_split_dataset(dataset.train, config, training=True).repeat())
    smoothed, average, best = [], 0.0, math.inf
    for step, rate in enumerate(rates):
        if stop():
            raise CheckStopped()
        model.optimizer.learning_rate.assign(float(rate))
        x, y = next(batches)
        loss = float(model.train_on_batch(x, y))
        if not math.isfinite(loss):
            break
        average = RANGE_SMOOTHING * average + (1 - RANGE_SMOOTHING) * loss
        value = average / (1 - RANGE_SMOOTHING ** (step + 1))
        smoothed.append(value)
        best = min(best, value)
        if progress is not None and step % 5 == 0:
            progress("Learning-rate range test", step / steps)
        if step > 10 and value > 4 * best:  # the loss has exploded: the rest says nothing
            break
    tried = rates[:len(smoothed)]
    if len(smoothed) < 5:
        return CheckResult("learning_rate", FAIL, "The loss was not a number from the first steps of the range "
                           "test.", "Normalise the inputs and check the data for NaN.", {})
    lowest = int(np.argmin(smoothed))
    suggested = float(f"{tried[lowest] / 10:.1g}")
    data = {"rates": tried.tolist(), "losses": smoothed, "suggested": suggested, "lowest_at": float(tried[lowest])}
    yours = float(config.learning_rate)
    said = (f"The loss was lowest at a learning rate of {tried[lowest]:.2g}; a tenth of that, {suggested:g}, is the "
            f"suggestion (yours: {yours:g})")
    if suggested / 10 <= yours <= suggested * 3:
        return CheckResult("learning_rate", PASS, f"{said}.", None, data)
    far = "more than ten times below it" if yours < suggested else "more than three times above it"
    return CheckResult("learning_rate", WARN, f"{said}; yours is {far}.", f"Use {suggested:g}.", data)


def data_sanity(spec: ModelSpec, dataset: Dataset, report: ValidationReport | None = None) -> CheckResult:
    """Class balance and labels against the model's output (classification), and non-finite values."""
    info = dataset.info
    problems: list[tuple[str, str, str | None]] = []  # (status, sentence, fix)
    x, y = dataset.preview(min(dataset.train.count, 2000), seed=1)
    x, y = np.asarray(x), np.asarray(y)
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        problems.append((FAIL, "some inputs are NaN or infinite", "Clean or drop those samples."))
    if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
        problems.append((FAIL, "some labels are NaN or infinite", "Clean or drop those samples."))
    if info.task == "classification":
        counts = list(info.class_counts) or np.bincount(y.reshape(-1).astype(np.int64),
                                                         minlength=info.num_classes).tolist()
        names = list(info.class_names) or [str(i) for i in range(len(counts))]
        empty = [names[i] for i, c in enumerate(counts) if c == 0]
        if empty:
            problems.append((FAIL, f"no training samples of {', '.join(empty[:5])}",
                             "Add samples of those classes, or remove them from the class list."))
        total = sum(counts)
        if total:
            top = int(np.argmax(counts))
            share = counts[top] / total
            limit = 0.8 if len(counts) == 2 else 0.5
            if share > limit:
                problems.append((WARN, f"{names[top]} is {share:.0%} of the training samples: always predicting "
                                 f"it scores {share:.0%}", "Balance the classes (more samples of the others), or "
                                 "judge the model by per-class recall (Runs tab) rather than accuracy."))
        units = _output_units(spec, report)
        labels = y.reshape(-1).astype(np.int64) if y.size else np.zeros(0, dtype=np.int64)
        if units is not None and labels.size:
            allowed = 2 if units == 1 else units
            if labels.max() >= allowed or labels.min() < 0:
                problems.append((FAIL, f"labels run from {labels.min()} to {labels.max()}, but the output has "
                                 f"{units} unit{'s' * (units != 1)} (classes 0 to {allowed - 1})",
                                 "Adapt the output layer to the data (the Fix on the output card)."))
    classes = f" over {info.num_classes} classes" if info.task == "classification" else ""
    data = {"class_counts": list(info.class_counts)}
    if not problems:
        return CheckResult("data", PASS, f"{dataset.train.count:,} training samples{classes}: no empty or "
                           "dominating class, labels within the output, all values finite.", None, data)
    worst = FAIL if any(status == FAIL for status, _s, _f in problems) else WARN
    return CheckResult("data", worst, "The data: " + "; ".join(s for _st, s, _f in problems) + ".",
                       " ".join(dict.fromkeys(f for _st, _s, f in problems if f)), data)


def _output_units(spec: ModelSpec, report: ValidationReport | None) -> int | None:
    report = report or validate(spec)
    outputs = spec.output_ids()
    if len(outputs) != 1 or outputs[0] not in report.nodes:
        return None
    shape = report.nodes[outputs[0]].output_shape
    return shape[-1] if shape and isinstance(shape[-1], int) else None


# ----- memory ---------------------------------------------------------------------------------------------------
def device_memory() -> tuple[int, str]:
    """(bytes, what they are): the first GPU's total memory when TensorFlow sees a GPU (from nvidia-smi, which the
    NVIDIA driver ships), else the memory available to this process now (/proc/meminfo's MemAvailable)."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        total = _nvidia_total()
        if total:
            return total, "GPU memory"
    available = _meminfo("MemAvailable")
    if available:
        return available, "available RAM"
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), "RAM"


def _nvidia_total() -> int | None:
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
        return int(float(out.splitlines()[0])) * 1024 * 1024
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def training_memory(report: ValidationReport, config: TrainingConfig, batch_size: int | None = None) -> dict[str, int]:
    """Bytes a training step holds: weights, their gradients, the optimizer's state (Adam keeps two values per
    trainable weight), and the activations of a batch kept for the backward pass plus their gradients (about
    twice the forward pass's outputs; float16 halves them under mixed precision)."""
    batch = batch_size or config.batch_size
    value = 2 if config.mixed_precision else 4
    slots = OPTIMIZER_SLOTS.get(config.optimizer, 2)
    if config.optimizer == "sgd" and not config.momentum:
        slots = 0
    weights = 4 * report.total_params
    gradients = 4 * report.trainable_params
    optimizer = 4 * slots * report.trainable_params
    activations = 2 * report.activation_memory(batch, value)
    return {"weights": weights, "gradients": gradients, "optimizer": optimizer, "activations": activations,
            "total": weights + gradients + optimizer + activations}


def will_it_fit(spec: ModelSpec, config: TrainingConfig, memory: tuple[int, str] | None = None,
                report: ValidationReport | None = None) -> CheckResult:
    report = report or validate(spec)
    available, what = memory or device_memory()
    need = training_memory(report, config)
    fixed = need["weights"] + need["gradients"] + need["optimizer"]
    per_sample = max(1, need["activations"] // max(1, config.batch_size))
    largest = max(0, int((0.8 * available - fixed) // per_sample))
    data = {**need, "available": available, "largest_batch": min(largest, 65536), "device": what}
    said = (f"Training needs about {_size(need['total'])} (weights {_size(need['weights'])}, gradients "
            f"{_size(need['gradients'])}, {config.optimizer} state {_size(need['optimizer'])}, activations at batch "
            f"{config.batch_size} {_size(need['activations'])}) of {_size(available)} {what}")
    biggest = f"the largest batch size that fits is about {min(largest, 65536):,}"
    if need["total"] <= 0.5 * available:
        return CheckResult("memory", PASS, f"{said}; {biggest}.", None, data)
    if need["total"] <= 0.9 * available:
        return CheckResult("memory", WARN, f"{said}: tight; {biggest}.",
                           f"Use a batch size of {max(1, largest // 2):,} or less to leave room.", data)
    if largest < 1:
        return CheckResult("memory", FAIL, f"{said}: even the weights and optimizer state do not fit.",
                           "Use a smaller model, or a machine with more memory.", data)
    return CheckResult("memory", FAIL, f"{said}: it will run out of memory; {biggest}.",
                       f"Set batch_size to {largest:,} or less.", data)


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def run_checks(spec: ModelSpec, dataset: Dataset, config: TrainingConfig, progress: Progress | None = None,
               stop: Callable[[], bool] = lambda: False, memory: tuple[int, str] | None = None) -> list[CheckResult]:
    """All four, cheapest first; the two that train skip (and say so) when the data check failed."""
    report = validate(spec)
    results = [data_sanity(spec, dataset, report), will_it_fit(spec, config, memory, report)]
    if results[0].status == FAIL:
        skipped = "Not run: the data check failed; mend the data first."
        results += [CheckResult("overfit", WARN, skipped), CheckResult("learning_rate", WARN, skipped)]
        return results
    results.append(overfit_one_batch(spec, dataset, config, progress=progress, stop=stop))
    results.append(learning_rate_range(spec, dataset, config, progress=progress, stop=stop))
    return results
