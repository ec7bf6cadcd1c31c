"""The headless lessons: each measures its claim beside its reference on a small run, and writes evidence.json,
the project it trained and a model plain Keras loads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.graph.project import Project
from models.lessons import LESSONS, run_lesson
from tests.models.training.test_training import run_main

pytestmark = pytest.mark.slow


def test_depth_helps_a_deep_net_beats_a_shallow_one_of_the_same_size_beyond_the_seeds_spread(tmp_path):
    import keras

    evidence = run_lesson("depth", tmp_path, quick=True)
    deep, shallow = (np.array(v) for v in (evidence.measured["deep val_accuracy"],
                                           evidence.reference["shallow val_accuracy"]))
    assert len(deep) == len(shallow) == 2
    assert evidence.held and deep.mean() - deep.std() > shallow.mean() + shallow.std() + 0.05
    written = json.loads((tmp_path / "evidence.json").read_text())
    assert written["lesson"] == "depth" and written["held"] and "Depth helped" in written["verdict"]
    project = Project.load(tmp_path / "project.strata.json")
    assert {r["group"] for r in project.runs} == {"shallow 1x128", "deep 3x16"} and len(project.runs) == 4
    assert {r["params"] for r in project.runs} == {626, 642}  # the same budget, spent wide or deep
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert model.count_params() == 626


def test_the_learning_rate_too_small_crawls_too_large_overshoots(tmp_path):
    evidence = run_lesson("learning-rate", tmp_path, quick=True)
    good = evidence.measured["good"]["val_accuracy"]
    small = evidence.reference["too small"]
    large = evidence.reference["too large"]
    assert evidence.held and good > (small["val_accuracy"] or 0) + 0.1 and good > (large["val_accuracy"] or 0) + 0.1
    assert small["last_loss"] > 0.5 * small["first_loss"]  # too small: the loss has hardly moved
    assert large["status"] in ("diverged", "nan") or large["last_loss"] > evidence.measured["good"]["last_loss"]
    assert json.loads((tmp_path / "evidence.json").read_text())["measured"]["good"]["learning_rate"] == 0.01


def test_lesson_alone_lists_the_lessons_and_an_unknown_one_is_refused():
    listed = run_main("lesson")
    assert listed.returncode == 0 and all(name in listed.stdout for name in LESSONS)
    unknown = run_main("lesson", "alchemy")
    assert unknown.returncode == 2 and "no lesson 'alchemy'" in unknown.stderr


def test_the_command_runs_a_lesson_and_writes_what_plain_keras_loads(tmp_path):
    import keras

    out = tmp_path / "hierarchy"
    done = run_main("lesson", "hierarchy", "--out", str(out))
    assert done.returncode == 0, done.stderr  # the claim held
    assert "Do deeper layers know more?" in done.stdout and "wrote" in done.stdout
    evidence = json.loads((out / "evidence.json").read_text())
    probe, gain = evidence["measured"]["probe trained"], evidence["measured"]["gain"]
    assert evidence["held"] and probe["conv_4"] >= probe["conv_1"] and gain["conv_4"] >= gain["conv_1"] + 0.1
    assert probe["conv_4"] >= evidence["reference"]["probe initial"]["conv_4"] + 0.15 and len(evidence["table"]) == 4
    project = Project.load(out / "project.strata.json")
    assert project.runs[-1]["model_file"] == "model.keras" and (out / "model.initial.npz").is_file()
    model = keras.saving.load_model(out / "model.keras")  # standard layers only: plain Keras loads it
    assert model.count_params() == 24_701
