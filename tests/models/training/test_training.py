"""The training engine without Qt: real Keras training on tiny built-in data."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from datasets.base import Dataset, Split, array_info
from datasets.generated import load_shapes, load_toy2d
from models.graph.spec import ModelSpec
from models.templates import load_template
from models.training.config import ConfigError, TrainingConfig, learning_rate_at
from models.training.runs import diff_runs, run_record
from models.training.trainer import Reporter, Trainer, model_fingerprint
from tests.paths import ROOT


def dense_spec(inputs: int = 2, classes: int = 2) -> ModelSpec:
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [inputs]}, node_id="x")
    spec.append("Dense", {"units": 16, "activation": "relu"})
    spec.append("Dense", {"units": classes, "activation": "softmax"})
    return spec


class Recorder(Reporter):
    def __init__(self, stop_at: int | None = None) -> None:
        self.batches, self.epochs, self.messages, self.stop_at = [], [], [], stop_at

    def on_batch(self, step, epoch, batch, logs):
        self.batches.append((step, logs))

    def on_epoch(self, epoch, logs):
        self.epochs.append(logs)

    def on_message(self, text):
        self.messages.append(text)

    def should_stop(self):
        return self.stop_at is not None and len(self.batches) >= self.stop_at


def test_a_tiny_model_trains_and_reports_every_batch_and_epoch():
    data = load_toy2d("moons", samples=256)
    recorder = Recorder()
    result = Trainer(dense_spec(), data, TrainingConfig(epochs=2, batch_size=32), recorder).run()
    assert result.ok and result.stopped == "completed" and result.epochs_done == 2
    steps_per_epoch = -(-data.train.count // 32)
    assert result.steps == 2 * steps_per_epoch == len(recorder.batches)
    assert [s for s, _ in recorder.batches] == list(range(1, result.steps + 1))
    assert len(recorder.epochs) == 2 and "val_loss" in recorder.epochs[0] and "val_accuracy" in result.final
    assert result.device == "CPU"
    assert result.evaluation["split"] == "validation"
    assert np.asarray(result.evaluation["confusion_matrix"]).sum() == data.validation.count


def test_stop_takes_effect_within_one_batch():
    recorder = Recorder(stop_at=3)
    result = Trainer(dense_spec(), load_toy2d("moons", samples=512), TrainingConfig(epochs=5, batch_size=16),
                     recorder).run()
    assert result.stopped == "stopped" and result.steps == 3 and len(recorder.batches) == 3


class Pauser(Recorder):
    """Pauses after step 2 until the test thread releases it, then asks for a new learning rate."""

    def __init__(self) -> None:
        super().__init__()
        self.paused_at = threading.Event()
        self.release = threading.Event()
        self.rate = None
        self.iterations_at_pause = None

    def after_batch(self, model, step):
        if step == 2:
            self.iterations_at_pause = int(model.optimizer.iterations.numpy())
            self.moment = [v.numpy().copy() for v in model.optimizer.variables if "momentum" in v.path]

    def wait_if_paused(self):
        if len(self.batches) == 2:
            self.paused_at.set()
            self.release.wait(30)
            self.rate = 0.05

    def new_learning_rate(self):
        rate, self.rate = self.rate, None
        return rate


def test_pause_and_resume_keep_step_count_and_optimizer_state_and_take_a_new_rate():
    pauser = Pauser()
    data = load_toy2d("moons", samples=256)
    trainer = Trainer(dense_spec(), data,
                      TrainingConfig(epochs=1, batch_size=32, optimizer="sgd", learning_rate=0.01), pauser)
    thread = threading.Thread(target=lambda: setattr(pauser, "result", trainer.run()))
    thread.start()
    assert pauser.paused_at.wait(60)
    assert len(pauser.batches) == 2  # nothing happens while paused
    pauser.release.set()
    thread.join(60)
    result = pauser.result
    assert result.ok and result.steps == len(pauser.batches) == -(-data.train.count // 32)
    assert [s for s, _ in pauser.batches] == list(range(1, result.steps + 1))  # the count continued
    assert pauser.iterations_at_pause == 2 and any(np.abs(m).sum() > 0 for m in pauser.moment)
    assert pauser.batches[2][1]["learning_rate"] == pytest.approx(0.05)
    assert any("Learning rate set to 0.05" in m for m in pauser.messages)


def test_nan_loss_stops_with_a_message_naming_the_step():
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32) * 1e30
    y = np.arange(64) % 2
    info = array_info("huge", x, y.astype(np.float32), [], {"train": Split(x, y)})  # regression targets
    recorder = Recorder()
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [2]})
    spec.append("Dense", {"units": 1, "activation": "linear"})
    config = TrainingConfig(epochs=3, batch_size=16, learning_rate=10.0, loss="mean_squared_error", metrics=[])
    dataset = Dataset(info, Split(x, y.astype(np.float32)))
    result = Trainer(spec, dataset, config, recorder).run()
    assert result.stopped == "nan" and not result.ok
    assert "at step 1" in result.error and "ten times lower (1 instead of 10)" in result.error
    assert result.stopped_at["step"] == 1


def test_data_that_does_not_fit_gives_a_message_not_an_exception():
    result = Trainer(dense_spec(inputs=3), load_toy2d("moons", samples=64), TrainingConfig(epochs=1)).run()
    assert result.stopped == "error" and result.error
    assert "Traceback" not in result.error


def test_an_invalid_model_gives_the_validation_message():
    spec = ModelSpec()
    spec.add_node("Dense", {"units": 2}, node_id="lonely")
    result = Trainer(spec, load_toy2d("moons", samples=64), TrainingConfig(epochs=1)).run()
    assert result.stopped == "error" and "cannot be built" in result.error


def test_a_small_cnn_really_learns_shapes():
    """>= 90% validation accuracy on the built-in Shapes in a short run: learning is real."""
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [28, 28, 1]})
    spec.append("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"})
    spec.append("MaxPooling2D", {"pool_size": 2})
    spec.append("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"})
    spec.append("MaxPooling2D", {"pool_size": 2})
    spec.append("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"})
    spec.append("GlobalMaxPooling2D")
    spec.append("Dense", {"units": 5, "activation": "softmax"})
    data = load_shapes(size=28, count_per_class=300, seed=1)
    result = Trainer(spec, data, TrainingConfig(epochs=10, learning_rate=3e-3, schedule="cosine")).run()
    assert result.ok
    assert result.final["val_accuracy"] >= 0.9, result.history["val_accuracy"]


def test_config_round_trip_validation_and_schedules():
    config = TrainingConfig.from_dict({"optimizer": "sgd", "epochs": 3, "schedule": "cosine"})
    assert TrainingConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown training setting 'epoch'"):
        TrainingConfig.from_dict({"epoch": 3})
    with pytest.raises(ConfigError, match="learning_rate"):
        TrainingConfig.from_dict({"learning_rate": -1})
    assert learning_rate_at(config, 0.1, 0, 100) == pytest.approx(0.1)
    assert learning_rate_at(config, 0.1, 100, 100) == pytest.approx(0.0)
    step = TrainingConfig(schedule="step")
    assert learning_rate_at(step, 0.1, 50, 100) == pytest.approx(0.025)


def test_run_records_and_what_changed_between_runs():
    data = load_toy2d("moons", samples=128)
    spec = dense_spec()
    first = Trainer(spec, data, TrainingConfig(epochs=1)).run()
    a = run_record(1, spec, {"source": "toy2d"}, TrainingConfig(epochs=1), first)
    changed = spec.copy()
    changed.set_params("dense_1", units=32)
    b = run_record(2, changed, {"source": "toy2d"}, TrainingConfig(epochs=2, learning_rate=0.01), first)
    json.dumps(a)  # JSON-safe, as the project file needs
    assert a["model_fingerprint"] == model_fingerprint(spec) != b["model_fingerprint"]
    lines = diff_runs(a, b)
    assert "epochs: 1 → 2" in lines and "learning_rate: 0.001 → 0.01" in lines
    assert "dense_1.units: 16 → 32" in lines


def run_main(*args, timeout=300):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def small_project(tmp_path) -> Path:
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.training = {"epochs": 2, "batch_size": 32, "health_every": 5}
    path = tmp_path / "small.strata.json"
    project.save(path)
    return path


def test_headless_train_writes_history_model_and_summary(tmp_path):
    out = tmp_path / "out"
    result = run_main("train", str(small_project(tmp_path)), "--epochs", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs_done"] == 2
    assert len(json.loads((out / "history.json").read_text())["loss"]) == 2
    assert (out / "history.csv").read_text().splitlines()[0].startswith("epoch,")
    health = json.loads((out / "health.json").read_text())  # 10 steps, measured every 5
    assert health["steps"] == [5, 10] and len(health["layers"]["dense_1"]["gradient_norm"]) == 2
    import keras

    from models.checks.validate import validate

    model = keras.models.load_model(out / "model.keras")
    assert model.count_params() == validate(load_template("mlp").spec).total_params


def test_headless_train_with_mirrored_strategy_on_two_logical_cpus(tmp_path):
    out = tmp_path / "mirrored"
    result = run_main("train", str(small_project(tmp_path)), "--epochs", "1", "--strategy", "mirrored",
                      "--split-cpu", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["device"] == "MirroredStrategy over 2 device(s)"


def test_headless_train_fails_plainly(tmp_path):
    broken = tmp_path / "broken.strata.json"
    broken.write_text("{")
    assert run_main("train", str(broken)).returncode == 2
    project = load_template("lenet")
    project.dataset = {"source": "npz", "options": {"path": str(tmp_path / "missing.npz")}}
    path = tmp_path / "nodata.strata.json"
    project.save(path)
    result = run_main("train", str(path))
    assert result.returncode == 1 and "no file" in result.stderr and "Traceback" not in result.stderr


def test_headless_train_with_multiworker_strategy_as_a_single_worker(tmp_path):
    """Without TF_CONFIG, MultiWorkerMirroredStrategy runs as a one-worker cluster on this machine."""
    out = tmp_path / "multiworker"
    result = run_main("train", str(small_project(tmp_path)), "--epochs", "1", "--strategy", "multiworker",
                      "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "summary.json").read_text())["device"] == "MultiWorkerMirroredStrategy over 1 device(s)"


def test_early_stopping_ends_a_run_that_stopped_improving():
    data = load_toy2d("moons", samples=200)
    config = TrainingConfig(epochs=40, learning_rate=0.05, early_stopping=True, patience=1)
    result = Trainer(dense_spec(), data, config).run()
    assert result.stopped == "early_stopping" and result.epochs_done < 40


def test_early_stopping_without_validation_data_says_it_is_off():
    data = load_toy2d("moons", samples=100)
    data.validation = None
    recorder = Recorder()
    config = TrainingConfig(epochs=2, early_stopping=True, patience=1)
    result = Trainer(dense_spec(), data, config, recorder).run()
    assert result.ok and result.epochs_done == 2
    assert any("no validation data" in message for message in recorder.messages)


def test_evaluation_handles_a_sigmoid_output_and_extra_units():
    from models.training.trainer import confusion

    class Fixed:
        def __init__(self, outputs):
            self.outputs = outputs

        def __call__(self, x, training=False):
            return self.outputs

    labels = np.array([0, 1, 1, 0])
    sigmoid = confusion(Fixed(np.array([[0.2], [0.9], [0.7], [0.6]])), [(None, labels)], 2)
    assert sigmoid["confusion_matrix"] == [[1, 1], [0, 2]] and sigmoid["accuracy"] == 0.75
    extra = confusion(Fixed(np.eye(4)[[0, 1, 3, 3]]), [(None, labels)], 2)  # predicts class 3 of 2
    assert np.asarray(extra["confusion_matrix"]).sum() == 4 and extra["outside_classes"] == 2
    assert extra["accuracy"] == 0.5


def test_regression_runs_get_their_test_metrics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5])).astype(np.float32)
    info = array_info("linear", x, y, [], {"train": Split(x, y)})
    dataset = Dataset(info, Split(x[:100], y[:100]), test=Split(x[100:], y[100:]))
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [3]})
    spec.append("Dense", {"units": 1})
    result = Trainer(spec, dataset, TrainingConfig(epochs=2, learning_rate=0.05)).run()
    assert result.ok and result.evaluation["split"] == "test"
    assert "loss" in result.evaluation["metrics"] and "mean_absolute_error" in result.evaluation["metrics"]


def test_array_batches_are_not_autotuned_but_folder_pipelines_are():
    """Autotuning an in-memory pipeline ran whole epochs at half speed on a 2-core machine (bench/training.py);
    batches sliced from arrays have a fixed prefetch instead, in the same order and count."""
    import tensorflow as tf

    from models.training.trainer import _split_dataset

    data = load_toy2d("moons", samples=100, seed=0)
    config = TrainingConfig(batch_size=32, shuffle=False)
    batches = _split_dataset(data.train, config, training=True)
    assert batches.options().autotune.enabled is False
    xs = np.concatenate([x.numpy() for x, _y in batches])
    np.testing.assert_array_equal(xs, data.train.x)
    streamed = Split(pipeline=tf.data.Dataset.from_tensor_slices(
        (data.train.x, data.train.y)), count=len(data.train.x))
    assert _split_dataset(streamed, config, training=True).options().autotune.enabled is not False


def test_a_warm_started_runs_tiny_first_loss_does_not_make_an_ordinary_batch_divergence():
    from models.training.trainer import DivergenceWatch, guess_loss

    shapes = load_shapes(size=16, count_per_class=5, seed=0)
    floor = guess_loss("sparse_categorical_crossentropy", shapes)
    assert floor == pytest.approx(np.log(5)) and guess_loss("mean_squared_error", shapes) == 0.0
    watch = DivergenceWatch(100, floor)
    assert watch.check(0.0029, 1, 0, 0, 1e-3) is None  # a trained model's first batch
    assert watch.check(0.31, 2, 0, 1, 1e-3) is None  # 100x that, an ordinary batch: not divergence
    status, message = watch.check(500.0, 3, 0, 2, 1e-3)
    assert status == "diverged" and "or a guess" in message
    plain = DivergenceWatch(100)  # without a floor (regression): the first loss is the reference
    plain.check(0.0029, 1, 0, 0, 1e-3)
    assert plain.check(0.31, 2, 0, 1, 1e-3)[0] == "diverged"
