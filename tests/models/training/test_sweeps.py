"""Sweeps: the sweep file, its check against the project, KerasTuner's grid/random/Bayesian search with each
trial a normal run, the headless `sweep` command, and KerasTuner's chief/worker mode with two processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from datasets.registry import load_dataset
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.sweep import Sweep, SweepError, apply_values, check_sweep, grid_values
from models.training.tuner import SweepCancelledError, best_values, run_sweep, trial_table
from tests.models.training.test_training import ROOT, run_main

MOONS = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}


def mlp():
    project = load_template("mlp")
    project.dataset = dict(MOONS)
    project.training = {"epochs": 1, "batch_size": 32}
    return project


def sweep(**fields) -> Sweep:
    data = {"search": "grid", "objective": "val_accuracy",
            "parameters": [{"target": "learning_rate", "values": [0.001, 0.05]},
                           {"target": "dense_1.units", "values": [4, 16]}]}
    return Sweep.from_dict({**data, **fields})


def test_a_sweep_file_reads_back_and_says_plainly_what_is_wrong():
    read = Sweep.from_dict({"search": "bayesian", "trials": 5, "parameters": [
        {"target": "learning_rate", "min": 1e-4, "max": 0.1, "scale": "log"},
        {"target": "dropout.rate", "min": 0.0, "max": 0.5, "step": 0.1}]})
    assert Sweep.from_dict(read.to_dict()) == read and read.direction == "min"
    assert sweep().direction == "max"  # val_accuracy rises
    for bad, message in [({"search": "hill"}, "search must be one of grid, random, bayesian"),
                         ({"trials": 0}, "trials must be a whole number"),
                         ({"parameters": []}, "parameters must be a non-empty list"),
                         ({"parameters": [{"target": "x", "min": 1, "max": 1}]}, r"min \(1\) must be below max"),
                         ({"parameters": [{"target": "x", "min": 0, "max": 1, "scale": "log"}]}, "log scale needs"),
                         ({"parameters": [{"target": "x", "values": [1, 1]}]}, "listed twice"),
                         ({"parameters": [{"target": "x", "values": [1]}, {"target": "x", "values": [2]}]},
                          "swept twice"),
                         ({"colour": 1}, "unknown sweep field")]:
        with pytest.raises(SweepError, match=message):
            Sweep.from_dict({**sweep().to_dict(), **bad})


def test_a_sweep_is_checked_against_the_project_before_anything_trains():
    spec, config = mlp().spec, TrainingConfig()
    assert check_sweep(sweep(), spec, config) == {"learning_rate": "float", "dense_1.units": "int"}
    for parameters, message in [([{"target": "dense_9.units", "values": [4]}], "has no layer 'dense_9'"),
                                ([{"target": "dense_1.filters", "values": [4]}], "Dense has no parameter 'filters'"),
                                ([{"target": "colour", "values": [4]}], "not a training setting"),
                                ([{"target": "dense_1.units", "values": [0]}], "dense_1.units = 0"),
                                ([{"target": "optimizer", "min": 1, "max": 2}], "list the values"),
                                ([{"target": "learning_rate", "min": 0.001, "max": 0.1}], "grid search needs")]:
        with pytest.raises(SweepError, match=message):
            check_sweep(Sweep.from_dict({"search": "grid", "parameters": parameters}), spec, config)
    trial_spec, trial_config = apply_values(spec, config, {"dense_1.units": 4, "learning_rate": 0.05})
    assert trial_spec.nodes["dense_1"].params["units"] == 4 and trial_config.learning_rate == 0.05
    assert spec.nodes["dense_1"].params["units"] != 4  # the project's own model is untouched
    stepped = Sweep.from_dict({"search": "grid", "parameters": [{"target": "epochs", "min": 1, "max": 3, "step": 1}]})
    assert grid_values(stepped, check_sweep(stepped, spec, config)) == [{"epochs": 1}, {"epochs": 2}, {"epochs": 3}]


@pytest.mark.slow
def test_a_grid_sweep_runs_every_combination_as_a_normal_run_and_finds_the_best(tmp_path):
    project = mlp()
    outcomes = []
    tuner = run_sweep(sweep(), project.spec, TrainingConfig(epochs=1, batch_size=32), load_dataset(MOONS),
                      tmp_path, on_trial=outcomes.append, quiet=True)
    rows = trial_table(tuner, sweep())
    tried = sorted((row["values"]["learning_rate"], row["values"]["dense_1.units"]) for row in rows)
    assert tried == [(0.001, 4), (0.001, 16), (0.05, 4), (0.05, 16)]
    assert len(outcomes) == 4 and all(o.result.ok and o.result.epochs_done == 1 for o in outcomes)
    for outcome in outcomes:  # each trial trained the model and settings its values say
        assert outcome.spec.nodes["dense_1"].params["units"] == outcome.values["dense_1.units"]
        assert outcome.config.learning_rate == outcome.values["learning_rate"]
        assert outcome.objective == pytest.approx(outcome.result.final["val_accuracy"])
    best = best_values(rows, sweep())
    assert best["val_accuracy"] == max(o.objective for o in outcomes)


@pytest.mark.slow
def test_random_and_bayesian_searches_stay_in_the_ranges_and_a_stop_ends_the_sweep(tmp_path):
    project = mlp()
    ranged = Sweep.from_dict({"search": "bayesian", "trials": 3, "seed": 1, "parameters": [
        {"target": "learning_rate", "min": 1e-4, "max": 0.1, "scale": "log"},
        {"target": "dense_1.units", "min": 2, "max": 32}]})
    outcomes = []
    run_sweep(ranged, project.spec, TrainingConfig(epochs=1), load_dataset(MOONS), tmp_path / "b",
              on_trial=outcomes.append, quiet=True)
    assert len(outcomes) == 3
    for outcome in outcomes:
        assert 1e-4 <= outcome.values["learning_rate"] <= 0.1 and 2 <= outcome.values["dense_1.units"] <= 32
    stopped = []
    with pytest.raises(SweepCancelledError):
        run_sweep(Sweep.from_dict({**ranged.to_dict(), "search": "random", "trials": 5}), project.spec,
                  TrainingConfig(epochs=1), load_dataset(MOONS), tmp_path / "r", on_trial=stopped.append,
                  should_stop=lambda: len(stopped) >= 2, quiet=True)
    assert len(stopped) == 2


def test_a_wrong_objective_name_stops_the_sweep_with_the_metrics_there_are(tmp_path):
    project = mlp()
    wrong = Sweep.from_dict({**sweep().to_dict(), "objective": "val_acc"})
    with pytest.raises(SweepError, match=r"'val_acc' is not a metric these runs have \(.*val_accuracy"):
        run_sweep(wrong, project.spec, TrainingConfig(epochs=1), load_dataset(MOONS), tmp_path, quiet=True)


def write_files(tmp_path, sweep_data: dict) -> tuple:
    project_path, sweep_path = tmp_path / "p.strata.json", tmp_path / "sweep.json"
    mlp().save(project_path)
    sweep_path.write_text(json.dumps(sweep_data))
    return project_path, sweep_path


@pytest.mark.slow
def test_headless_sweep_writes_a_folder_per_trial_and_the_best(tmp_path):
    project_path, sweep_path = write_files(tmp_path, {**sweep().to_dict(), "search": "random", "trials": 5})
    out = tmp_path / "out"
    result = run_main("sweep", str(project_path), str(sweep_path), "--trials", "2", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "sweep.json").read_text())
    assert len(summary["trials"]) == 2 and summary["direction"] == "max"
    assert summary["best"]["val_accuracy"] == max(t["val_accuracy"] for t in summary["trials"])
    for trial in summary["trials"]:
        own = json.loads((out / f"trial-{trial['trial']}" / "summary.json").read_text())
        assert own["config"]["learning_rate"] == trial["values"]["learning_rate"]
        assert own["final"]["val_accuracy"] == pytest.approx(trial["val_accuracy"])
    assert f"best: trial {summary['best']['trial']}" in result.stdout
    bad = run_main("sweep", str(project_path), str(tmp_path / "missing.json"), "--out", str(out))
    assert bad.returncode == 2 and "cannot read the sweep file" in bad.stderr


@pytest.mark.slow
def test_keras_tuner_chief_and_worker_processes_share_one_sweep(tmp_path):
    """KerasTuner's distributed mode, as docs/distributed.md says to run it on a cluster: a chief serving the
    oracle on a port, a worker (here one, on the same machine) training the trials it hands out."""
    project_path, sweep_path = write_files(tmp_path, {**sweep().to_dict(), "search": "random", "trials": 3})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = {**os.environ, "KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(port)}
    command = [sys.executable, "main.py", "sweep", str(project_path), str(sweep_path)]
    chief = subprocess.Popen([*command, "--out", str(tmp_path / "chief")], cwd=ROOT, text=True,
                             env={**base, "KERASTUNER_TUNER_ID": "chief"}, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    worker = subprocess.Popen([*command, "--out", str(tmp_path / "worker")], cwd=ROOT, text=True,
                              env={**base, "KERASTUNER_TUNER_ID": "tuner0"}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        worker_out, _ = worker.communicate(timeout=300)
        chief_out, _ = chief.communicate(timeout=60)
    finally:
        for process in (chief, worker):
            process.kill()
    assert worker.returncode == 0, worker_out
    assert chief.returncode == 0 and "chief: serving the trials" in chief_out, chief_out
    served = json.loads((tmp_path / "chief" / "sweep.json").read_text())
    trained = json.loads((tmp_path / "worker" / "sweep.json").read_text())
    assert len(served["trials"]) == 3 and not list((tmp_path / "chief").glob("trial-*"))  # the chief trains nothing
    assert sorted(t["trial"] for t in trained["trials"]) == sorted(t["trial"] for t in served["trials"])
    for trial in trained["trials"]:  # what the worker measured is what the chief recorded
        match = next(t for t in served["trials"] if t["trial"] == trial["trial"])
        assert match["values"] == trial["values"]
        assert match["val_accuracy"] == pytest.approx(trial["val_accuracy"])
