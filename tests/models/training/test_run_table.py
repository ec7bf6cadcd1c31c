"""What the Runs table says of each run: best values, repeat groups as mean ± std, settings that differ,
parameter counts, ids that never repeat after a delete."""

from __future__ import annotations

import numpy as np
import pytest

from models.checks.validate import validate
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.records import run_problem
from models.training.run_table import (
    best_value,
    lower_is_better,
    metric_names,
    next_run_number,
    recorded_params,
    run_name,
    setting_differences,
    table_rows,
)
from models.training.runs import run_record
from models.training.trainer import TrainingResult


def record(number: int, *, seed: int = 0, rate: float = 1e-3, val_loss=(1.0, 0.5, 0.7), group: str = "",
           status: str = "completed") -> dict:
    spec = load_template("mlp").spec
    result = TrainingResult(history={"loss": [1.2, 0.6, 0.4], "val_loss": list(val_loss),
                                     "val_accuracy": [0.5, 0.9, 0.8]},
                            final={"loss": 0.4, "val_loss": val_loss[-1], "val_accuracy": 0.8},
                            steps=30, epochs_done=3, duration=2.5, device="CPU", stopped=status)
    made = run_record(number, spec, {"source": "toy2d"}, TrainingConfig(seed=seed, learning_rate=rate), result)
    if group:
        made["group"] = group
    return made


def test_best_is_the_lowest_loss_and_the_highest_accuracy_ignoring_missing_epochs():
    assert lower_is_better("val_loss") and lower_is_better("mae") and not lower_is_better("val_accuracy")
    assert best_value("val_loss", [1.0, None, 0.3, 0.7]) == 0.3
    assert best_value("val_accuracy", [0.5, 0.9, None, 0.8]) == 0.9
    assert best_value("loss", [None, None]) is None


def test_a_run_records_its_parameter_count_and_older_records_are_counted_from_their_model():
    made = record(1)
    expected = validate(load_template("mlp").spec).total_params
    assert made["params"] == expected > 0
    older = {key: value for key, value in made.items() if key != "params"}
    assert recorded_params(older) == expected
    assert recorded_params({"id": "run-9", "model": {"layers": "not a list"}}) is None
    assert run_problem(made) is None
    assert "params" in run_problem({**made, "params": -3}) and "name" in run_problem({**made, "name": "x" * 201})


def test_rows_show_final_and_best_metrics_seed_and_the_users_name():
    made = record(1, seed=7)
    made["name"] = "baseline"
    (row,) = table_rows([made])
    assert row.name == "baseline" == run_name(made) and row.id == "run-1"
    assert row.final["val_loss"] == 0.7 and row.best["val_loss"] == 0.5 and row.best["val_accuracy"] == 0.9
    assert row.seed == 7 and row.duration_s == 2.5 and row.device == "CPU"
    assert metric_names([made]) == ["loss", "val_loss", "val_accuracy"]


def test_a_repeat_group_gets_a_row_of_mean_and_std_after_its_last_run():
    runs = [record(1), record(2, seed=0, val_loss=(1, 0.4), group="g1"), record(3, seed=1, val_loss=(1, 0.6),
                                                                                 group="g1"),
            record(4, seed=2, val_loss=(1, 0.8), group="g1"), record(5)]
    rows = table_rows(runs)
    assert [row.id for row in rows] == ["run-1", "run-2", "run-3", "run-4", "g1", "run-5"]
    group = rows[4]
    assert group.members == ("run-2", "run-3", "run-4") and group.seed == 0
    assert group.final["val_loss"] == pytest.approx(np.mean([0.4, 0.6, 0.8]))
    assert group.spread["val_loss"] == pytest.approx(np.std([0.4, 0.6, 0.8]))
    assert group.best["val_loss"] == pytest.approx(np.mean([0.4, 0.6, 0.8]))  # each run's best, averaged
    assert group.duration_s == pytest.approx(7.5)


def test_settings_that_differ_from_the_reference_run():
    a, b = record(1), record(2, rate=0.01, seed=3)
    assert setting_differences(a, a) == ""
    assert setting_differences(b, a) == "learning_rate 0.01, seed 3"
    other_model = {**record(3), "model_fingerprint": "0" * 12, "dataset": {"source": "mnist"}}
    assert setting_differences(other_model, a) == "another dataset, another model"


def test_a_new_run_never_takes_the_id_of_a_deleted_one():
    assert next_run_number([]) == 1
    assert next_run_number([{"id": "run-1"}, {"id": "run-3"}, {"id": "imported"}]) == 4
    assert next_run_number([{"id": "run-12"}, "not a record"]) == 13

