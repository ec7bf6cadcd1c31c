"""Multi-worker training with the distributed custom loop: two real worker processes on this machine (TF_CONFIG
on loopback ports) both finish, hold the same weights, and take the very steps a single process takes; stop,
per-step values and validation work in the loop as in `fit`."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.models.training.test_training import ROOT, run_main

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_file(tmp_path, epochs: int = 3):
    from models.templates import load_template

    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 400}}
    project.training = {"epochs": epochs, "batch_size": 32, "learning_rate": 0.01}
    path = tmp_path / "p.strata.json"
    project.save(path)
    return path


def step_losses(folder) -> list[float]:
    with open(folder / "steps.csv", encoding="utf-8") as stream:
        return [float(row["loss"]) for row in csv.DictReader(stream)]


def test_two_worker_processes_train_together_and_agree_with_one_process(tmp_path):
    import keras

    path = project_file(tmp_path)
    cluster = {"worker": [f"localhost:{free_port()}", f"localhost:{free_port()}"]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(subprocess.Popen(
            [sys.executable, "main.py", "train", str(path), "--strategy", "multiworker", "--out",
             str(tmp_path / f"worker{index}")], cwd=ROOT, env={**os.environ, "TF_CONFIG": config}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    outputs = []
    try:
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output
    summaries = [json.loads((tmp_path / f"worker{i}" / "summary.json").read_text()) for i in range(2)]
    assert all(s["status"] == "completed" and s["device"] == "MultiWorkerMirroredStrategy over 2 device(s)"
               for s in summaries)
    history = json.loads((tmp_path / "worker0" / "history.json").read_text())
    assert history["loss"][-1] < history["loss"][0] and "val_accuracy" in history  # it learns, and validates
    models = [keras.saving.load_model(tmp_path / f"worker{i}" / "model.keras") for i in range(2)]
    for a, b in zip(models[0].get_weights(), models[1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the all-reduce keeps the workers' weights identical
    single = run_main("train", str(path), "--out", str(tmp_path / "single"))
    assert single.returncode == 0, single.stderr
    # the global batch of 32 is split over the workers: each step of the first epoch (same shuffle) is the step
    # one process takes with fit; later epochs reshuffle in another order (tf.data's per-iterator seeds)
    first_epoch = 320 // 32
    np.testing.assert_allclose(step_losses(tmp_path / "worker0")[:first_epoch],
                               step_losses(tmp_path / "single")[:first_epoch], rtol=1e-4)
    assert step_losses(tmp_path / "worker0") == step_losses(tmp_path / "worker1")


LOOP_SCRIPT = """
import json, sys
import tensorflow as tf
from datasets.generated import load_toy2d
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.trainer import Reporter, Trainer

class StopAtThree(Reporter):
    def __init__(self):
        self.batches = []
    def on_batch(self, step, epoch, batch, logs):
        self.batches.append(sorted(logs))
    def should_stop(self):
        return len(self.batches) >= 3

strategy = tf.distribute.MultiWorkerMirroredStrategy()
spec = load_template("mlp").spec
data = load_toy2d("moons", samples=400)
reporter = StopAtThree()
stopped = Trainer(spec, data, TrainingConfig(epochs=5, batch_size=32), reporter, strategy=strategy).run()
early = Trainer(spec, data, TrainingConfig(epochs=60, batch_size=32, learning_rate=0.05, early_stopping=True,
                                           patience=1), strategy=strategy).run()
print(json.dumps({"stopped": stopped.stopped, "steps": stopped.steps, "keys": reporter.batches[0],
                  "early": early.stopped, "epochs": early.epochs_done, "evaluation": sorted(early.evaluation)}))
"""


def test_the_loop_stops_on_request_reports_each_steps_values_and_stops_early():
    result = subprocess.run([sys.executable, "-c", LOOP_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["stopped"] == "stopped" and outcome["steps"] == 4  # asked after step 3, all stop after the next
    assert outcome["keys"] == ["accuracy", "learning_rate", "loss"]  # that batch's own values, as with fit
    assert outcome["early"] == "early_stopping" and outcome["epochs"] < 60
    assert {"confusion_matrix", "metrics", "split"} <= set(outcome["evaluation"])
