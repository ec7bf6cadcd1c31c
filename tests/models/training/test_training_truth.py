"""What training reports is true: each step's own loss and metrics, divergence, steps.csv, settings checked."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datasets.base import Dataset, Split, array_info
from models.cli.train import StepWriter, TerminalReporter
from models.graph.spec import ModelSpec
from models.templates import load_template
from models.training.batch_values import own_values
from models.training.config import ConfigError, TrainingConfig
from models.training.trainer import Reporter, Trainer
from tests.paths import ROOT

SCALES = (1.0, 1e4, 1.0, 0.1)  # each batch's targets: losses 1, 1e8, 1, 0.01 -- a spike and a tiny one


class Recorder(Reporter):
    def __init__(self, stop_at: int | None = None) -> None:
        self.batches, self.epochs, self.messages, self.stop_at = [], [], [], stop_at

    def on_batch(self, step, epoch, batch, logs):
        self.batches.append(dict(logs))

    def on_epoch(self, epoch, logs):
        self.epochs.append(dict(logs))

    def on_message(self, text):
        self.messages.append(text)

    def should_stop(self):
        return self.stop_at is not None and len(self.batches) >= self.stop_at


def frozen_zero_model() -> ModelSpec:
    """Predicts 0 for every sample and never changes (its inputs are 0, it has no bias): a batch's loss is
    exactly the mean of its squared targets, known in advance."""
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [1]})
    spec.append("Dense", {"units": 1, "use_bias": False, "kernel_initializer": "zeros"})
    return spec


def known_batches(scales=SCALES, last: float | None = 3.0, batch: int = 32) -> Dataset:
    parts = [np.full(batch, s) for s in scales] + ([np.full(1, last)] if last is not None else [])
    y = np.concatenate(parts).astype(np.float32)
    x = np.zeros((len(y), 1), np.float32)
    info = array_info("known", x, y, [], {"train": Split(x, y)})
    return Dataset(info, Split(x, y))


def config(**changes) -> TrainingConfig:
    settings = dict(epochs=2, batch_size=32, shuffle=False, loss="mean_squared_error",
                    metrics=["mean_absolute_error"], divergence_factor=0)
    settings.update(changes)
    return TrainingConfig(**settings)


def test_each_step_reports_its_own_batch_loss_and_metrics_not_the_running_mean():
    recorder = Recorder()
    result = Trainer(frozen_zero_model(), known_batches(), config(), recorder).run()
    assert result.ok and result.steps == 10
    expected = [s * s for s in SCALES] + [9.0]  # the last batch holds one sample
    losses = [b["loss"] for b in recorder.batches]
    assert losses == pytest.approx(expected * 2, rel=1e-6)  # each epoch: the same batches, no sawtooth
    assert [b["mean_absolute_error"] for b in recorder.batches] == pytest.approx(([*SCALES, 3.0]) * 2, rel=1e-6)
    # per-epoch values stay Keras's: the sample-weighted mean over the epoch
    epoch_loss = (32 * sum(expected[:4]) + 9.0) / 129
    assert recorder.epochs[0]["loss"] == pytest.approx(epoch_loss, rel=1e-5)
    assert not any(key.startswith("batch/") for key in recorder.epochs[0])
    assert set(recorder.batches[0]) == {"loss", "mean_absolute_error", "learning_rate"}


def test_without_metrics_the_batch_loss_is_still_its_own():
    recorder = Recorder()
    Trainer(frozen_zero_model(), known_batches(last=None), config(metrics=[], epochs=1), recorder).run()
    assert [b["loss"] for b in recorder.batches] == pytest.approx([s * s for s in SCALES], rel=1e-6)


def test_classification_batches_report_their_own_accuracy():
    """Accuracy of each batch, checked against the model's own predictions of that batch (lr ~ 0: frozen)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 4)).astype(np.float32)
    y = (rng.random(96) < 0.5).astype(np.int64)
    info = array_info("blobs", x, y, ["a", "b"], {"train": Split(x, y)})
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]})
    spec.append("Dense", {"units": 2, "activation": "softmax"})
    recorder = Recorder()
    settings = TrainingConfig(epochs=1, batch_size=32, shuffle=False, learning_rate=1e-7)
    result = Trainer(spec, Dataset(info, Split(x, y)), settings, recorder).run()
    predicted = np.argmax(result.model(x).numpy(), axis=1)
    own = [float(np.mean(predicted[i:i + 32] == y[i:i + 32])) for i in range(0, 96, 32)]
    assert [b["accuracy"] for b in recorder.batches] == pytest.approx(own, abs=1e-6)


def test_a_metric_that_is_not_a_per_sample_mean_is_reported_per_epoch_only():
    """A batch value of AUC derived from its running state would mean nothing: it is left out per step."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    info = array_info("signs", x, y, ["neg", "pos"], {"train": Split(x, y)})
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [3]})
    spec.append("Dense", {"units": 1, "activation": "sigmoid"})
    recorder = Recorder()
    settings = TrainingConfig(epochs=1, batch_size=16, loss="binary_crossentropy", metrics=["accuracy", "auc"])
    result = Trainer(spec, Dataset(info, Split(x, y)), settings, recorder).run()
    assert result.ok, result.error
    assert "auc" in recorder.epochs[0] and all("auc" not in b for b in recorder.batches)
    assert all({"loss", "accuracy"} <= set(b) for b in recorder.batches)
    model = type("Traced", (), {"_strata_batch_names": ["loss", "accuracy"]})()
    logs = {"loss": 2.0, "accuracy": 0.5, "auc": 0.7, "batch/values": np.array([5.0, 0.25])}
    assert own_values(logs, model) == {"loss": 5.0, "accuracy": 0.25}


# ----- divergence ------------------------------------------------------------------------------------------------
def test_a_loss_far_above_its_start_stops_the_run_as_diverged_within_that_batch():
    recorder = Recorder()
    data = known_batches(scales=(1.0, 1.0, 20.0, 1.0), last=None)  # step 3: 400x the first loss
    result = Trainer(frozen_zero_model(), data, config(divergence_factor=100), recorder).run()
    assert result.stopped == "diverged" and not result.ok and result.steps == 3 and len(recorder.batches) == 3
    assert result.stopped_at == {"step": 3, "epoch": 1, "batch": 3, "loss": pytest.approx(400.0)}
    assert "diverged" in result.error and "at step 3" in result.error and "100 times" in result.error
    assert "ten times lower (0.0001 instead of 0.001)" in result.error and "normalise the inputs" in result.error
    assert result.history == {}  # the cut epoch's means are not an epoch's


def test_a_spike_below_the_factor_recovers_and_the_factor_0_turns_the_check_off():
    spike = known_batches(scales=(1.0, 9.0, 1.0, 1.0), last=None)  # 81x: below 100
    assert Trainer(frozen_zero_model(), spike, config(divergence_factor=100)).run().stopped == "completed"
    huge = known_batches(scales=(1.0, 1e3, 1.0, 1.0), last=None)  # 1e6x
    assert Trainer(frozen_zero_model(), huge, config(divergence_factor=0)).run().stopped == "completed"
    assert Trainer(frozen_zero_model(), huge, config(divergence_factor=100)).run().stopped == "diverged"


def test_a_nan_loss_at_step_1_is_nan_not_diverged():
    data = known_batches(scales=(np.nan, 1.0), last=None)
    data.train.y[:32] = np.nan
    result = Trainer(frozen_zero_model(), data, config(divergence_factor=100)).run()
    assert result.stopped == "nan" and result.steps == 1 and "NaN at step 1" in result.error


# ----- steps.csv and the headless command ---------------------------------------------------------------------------
def test_steps_csv_of_a_run_stopped_mid_epoch_is_complete_to_that_step(tmp_path, capsys):
    import io

    class StopAt3(TerminalReporter):
        def should_stop(self):
            return self.steps.stream is not None and sum(1 for _ in open(self.steps.path)) > 3

    writer = StepWriter(tmp_path / "steps.csv")
    reporter = StopAt3(io.StringIO(), steps=writer)
    result = Trainer(frozen_zero_model(), known_batches(), config(epochs=3), reporter).run()
    writer.close()
    rows = list(csv.DictReader(open(tmp_path / "steps.csv")))
    assert result.stopped == "stopped" and result.steps == 3 == len(rows)
    assert list(rows[0]) == ["step", "epoch", "batch", "loss", "learning_rate", "mean_absolute_error"]
    assert [float(r["loss"]) for r in rows] == pytest.approx([1.0, 1e8, 1.0])
    assert [int(r["batch"]) for r in rows] == [1, 2, 3] and float(rows[0]["learning_rate"]) == pytest.approx(1e-3)


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def moons_project(tmp_path: Path, **training) -> Path:
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.training = {"epochs": 2, "batch_size": 32, **training}
    path = tmp_path / "moons.strata.json"
    project.save(path)
    return path


def test_headless_train_writes_true_steps_and_takes_overrides(tmp_path):
    out = tmp_path / "out"
    result = run_main("train", str(moons_project(tmp_path)), "--learning-rate", "0.05", "--optimizer", "sgd",
                      "--seed", "3", "--steps-per-epoch", "2", "--epochs", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["optimizer"] == "sgd" and summary["config"]["learning_rate"] == 0.05
    assert summary["config"]["seed"] == 3 and summary["steps"] == 6
    rows = list(csv.DictReader(open(out / "steps.csv")))
    assert [r["step"] for r in rows] == [str(s) for s in range(1, 7)]
    assert [(r["epoch"], r["batch"]) for r in rows[:3]] == [("1", "1"), ("1", "2"), ("2", "1")]
    assert {"loss", "learning_rate", "accuracy"} <= set(rows[0])
    assert all(float(r["learning_rate"]) == pytest.approx(0.05) for r in rows)
    accuracies = {float(r["accuracy"]) * 32 for r in rows}  # a batch's own accuracy: whole samples of 32
    assert all(abs(a - round(a)) < 1e-4 for a in accuracies)
    assert "batch loss" in result.stdout or "epoch 3/3" in result.stdout


def test_headless_train_refuses_bad_overrides_naming_the_field(tmp_path):
    project = moons_project(tmp_path)
    result = run_main("train", str(project), "--learning-rate", "-1")
    assert result.returncode == 2 and "learning_rate" in result.stderr and "Traceback" not in result.stderr
    result = run_main("train", str(project), "--steps-per-epoch", "-3")
    assert result.returncode == 2 and "steps_per_epoch" in result.stderr


def test_headless_train_of_a_diverging_run_exits_1_with_the_status(tmp_path):
    out = tmp_path / "out"
    path = moons_project(tmp_path, divergence_factor=1.0, learning_rate=5.0, optimizer="sgd", epochs=20)
    result = run_main("train", str(path), "--out", str(out))
    summary = json.loads((out / "summary.json").read_text())
    assert result.returncode == 1, result.stdout
    assert summary["status"] == "diverged" and summary["stopped_at"]["step"] >= 2
    assert "diverged" in result.stderr and (out / "steps.csv").exists() and not (out / "model.keras").exists()


# ----- settings checked like layer parameters ----------------------------------------------------------------------
def test_sgd_with_momentum_0_from_a_project_file_trains():
    settings = TrainingConfig.from_dict({"optimizer": "sgd", "momentum": 0, "epochs": 1, "learning_rate": 1})
    assert isinstance(settings.momentum, float) and isinstance(settings.learning_rate, float)
    data = known_batches(last=None)
    result = Trainer(frozen_zero_model(), data, config(optimizer="sgd", momentum=settings.momentum)).run()
    assert result.ok, result.error


@pytest.mark.parametrize(("settings", "field"), [
    ({"epochs": 5.5}, "epochs"), ({"batch_size": "32"}, "batch_size"), ({"learning_rate": "0.1"}, "learning_rate"),
    ({"momentum": 1.5}, "momentum"), ({"shuffle": 1}, "shuffle"), ({"seed": -1}, "seed"),
    ({"divergence_factor": 0.5}, "divergence_factor"), ({"learning_rate": float("inf")}, "learning_rate"),
    ({"metrics": "accuracy"}, "metrics"), ({"optimizer": 3}, "optimizer"),
])
def test_wrong_training_settings_are_refused_naming_the_field(settings, field):
    with pytest.raises(ConfigError, match=field):
        TrainingConfig.from_dict(settings)


def test_whole_floats_become_counts():
    settings = TrainingConfig.from_dict({"epochs": 5.0, "batch_size": 16.0})
    assert settings.epochs == 5 and isinstance(settings.epochs, int) and settings.batch_size == 16


def test_under_mixed_precision_the_output_stays_float32():
    """Keras's mixed-precision rule, built on the CPU: layers compute in float16, the softmax output in float32."""
    import keras

    from models.building.builder import build

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = build(load_template("lenet").spec).model
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert model.get_layer("conv2d_1").compute_dtype == "float16"
    assert model.get_layer("dense_3").compute_dtype == "float32"
    output = model(np.zeros((2, 28, 28, 1), np.float32))
    assert str(output.dtype) in ("float32", "<dtype: 'float32'>")
    assert np.allclose(np.asarray(output).sum(axis=1), 1.0, atol=1e-5)


def test_batch_values_under_mirrored_strategy_over_two_replicas_are_the_global_batch(tmp_path):
    """Each replica traces the step in turn and sees only its shard: the values must be all-reduced over both.
    With a frozen model every epoch's Keras loss is exactly the sample-weighted mean of its steps' losses."""
    from models.graph.project import Project

    rng = np.random.default_rng(5)
    y = rng.uniform(0.5, 20.0, size=(160,)).astype(np.float32) ** 2  # very different per sample
    np.savez(tmp_path / "known.npz", x=np.zeros((160, 1), np.float32), y=y + 0.25)  # not whole: regression
    path = tmp_path / "mirrored.strata.json"
    Project(spec=frozen_zero_model(), dataset={"source": "npz", "options": {"path": str(tmp_path / "known.npz"),
                                                                           "validation_split": 0.0}},
            training={"epochs": 1, "batch_size": 24, "shuffle": False, "loss": "mean_squared_error",
                      "metrics": ["mean_absolute_error"], "divergence_factor": 0}).save(path)
    out = tmp_path / "out"
    result = run_main("train", str(path), "--strategy", "mirrored", "--split-cpu", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(out / "steps.csv")))
    sizes = [24] * 6 + [16]
    assert len(rows) == len(sizes)
    history = json.loads((out / "history.json").read_text())
    weighted = sum(float(r["loss"]) * n for r, n in zip(rows, sizes, strict=True)) / 160
    assert weighted == pytest.approx(history["loss"][0], rel=1e-4)
    mae = sum(float(r["mean_absolute_error"]) * n for r, n in zip(rows, sizes, strict=True)) / 160
    assert mae == pytest.approx(history["mean_absolute_error"][0], rel=1e-4)
    assert len({r["loss"] for r in rows}) == len(rows)  # each step its own batch, not one repeated value
    assert json.loads((out / "summary.json").read_text())["device"] == "MirroredStrategy over 2 device(s)"


def test_continuing_a_saved_run_keeps_its_optimizer_state(tmp_path):
    """The optimizer state travels in the .keras file: training the reloaded model goes on from it."""
    from datasets.generated import load_toy2d
    from models.building.export import load_keras, save_keras

    data = load_toy2d("moons", samples=256)
    spec = load_template("mlp").spec
    first = Trainer(spec, data, TrainingConfig(epochs=1, batch_size=32)).run()
    reloaded = load_keras(save_keras(first.model, tmp_path / "run-1.keras"))
    moments = [v.numpy().copy() for v in reloaded.optimizer.variables if "momentum" in v.path]
    assert int(reloaded.optimizer.iterations.numpy()) == first.steps and any(np.abs(m).sum() > 0 for m in moments)
    recorder = Recorder()
    second = Trainer(spec, data, TrainingConfig(epochs=1, batch_size=32), recorder, model=reloaded).run()
    assert second.ok and int(second.model.optimizer.iterations.numpy()) == first.steps + second.steps
    said = f"Continuing with the model's Adam optimizer and its state ({first.steps} steps taken so far)."
    assert said in recorder.messages
    changed = Trainer(spec, data, TrainingConfig(epochs=1, batch_size=32, optimizer="sgd"), recorder,
                      model=reloaded).run()  # another optimizer: a fresh one, and it says so
    assert changed.ok and int(changed.model.optimizer.iterations.numpy()) == changed.steps
    assert any("replaced by a new SGD" in m for m in recorder.messages)


def test_a_run_model_file_outside_the_project_folder_is_never_followed(tmp_path):
    from models.training.run_models import run_model_path, write_run_models

    project = tmp_path / "p" / "a.strata.json"
    (tmp_path / "p" / "a-models").mkdir(parents=True)
    inside = tmp_path / "p" / "a-models" / "run-1.keras"
    inside.write_bytes(b"PK")
    outside = tmp_path / "secret.keras"
    outside.write_bytes(b"PK")
    assert run_model_path(project, "a-models/run-1.keras") == inside.resolve()
    for bad in ("../secret.keras", str(outside), "../../../../etc/passwd", "a-models/../../secret.keras",
                "a-models/run-1.txt", "", None, 3, "x" * 5000, "a\0b.keras"):
        assert run_model_path(project, bad) is None, bad
    copy = tmp_path / "q" / "b.strata.json"
    copy.parent.mkdir()
    written = write_run_models(copy, [{"id": "run-1", "model_file": "../secret.keras"}], {}, project)
    assert written == {} and not (tmp_path / "q" / "b-models").exists()  # a hostile path is not copied either
