"""Repeats: one run per seed, read together as mean ± std."""

from __future__ import annotations

import numpy as np
import pytest

from models.training.config import TrainingConfig
from models.training.repeats import RepeatPlan, mean_and_std, new_group_id, repeat_configs


def test_repeats_take_consecutive_seeds_from_the_settings_own_and_keep_everything_else():
    configs = repeat_configs(TrainingConfig(seed=5, learning_rate=0.01, epochs=3), 3)
    assert [c.seed for c in configs] == [5, 6, 7]
    assert {(c.learning_rate, c.epochs) for c in configs} == {(0.01, 3)}
    with pytest.raises(ValueError, match="from 1 to 50"):
        repeat_configs(TrainingConfig(), 0)


def test_group_ids_count_up_past_existing_groups():
    assert new_group_id([]) == "seeds-1"
    assert new_group_id([{"group": "seeds-2"}, {"group": "other"}, {"id": "run-1"}]) == "seeds-3"


def test_mean_and_std_per_epoch_over_runs_of_different_lengths():
    curves = mean_and_std([{"loss": [1.0, 0.5, 0.2]}, {"loss": [3.0, 0.7]}, {"loss": [2.0, None, 0.4],
                                                                               "val_loss": [1.0]}])
    mean, std = curves["loss"]
    np.testing.assert_allclose(mean, [2.0, 0.6, 0.3])
    np.testing.assert_allclose(std, [np.std([1, 3, 2]), np.std([0.5, 0.7]), np.std([0.2, 0.4])])
    np.testing.assert_allclose(curves["val_loss"][0], [1.0])


def test_a_plan_goes_on_past_a_diverged_seed_and_ends_at_a_stop_or_an_error():
    plan = RepeatPlan("seeds-1", repeat_configs(TrainingConfig(), 3))
    assert plan.label() == "seed 0 (1 of 3)"
    assert plan.advance("diverged").seed == 1 and plan.label() == "seed 1 (2 of 3)"
    assert plan.advance("stopped") is None
    plan = RepeatPlan("seeds-1", repeat_configs(TrainingConfig(), 2))
    assert plan.advance("completed").seed == 1 and plan.advance("completed") is None
    assert RepeatPlan("g", repeat_configs(TrainingConfig(), 2)).advance("error") is None


def test_headless_train_with_seeds_runs_two_processes_at_a_time_and_writes_mean_and_std(tmp_path):
    import json

    from tests.models.training.test_training import run_main, small_project

    out = tmp_path / "seeds"
    result = run_main("train", str(small_project(tmp_path)), "--epochs", "1", "--seeds", "3", "--seed", "10",
                      "--processes", "2", "--out", str(out), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 seeds (10 to 12), 2 at a time" in result.stdout
    summary = json.loads((out / "seeds.json").read_text())
    assert summary["seeds"] == [10, 11, 12] and {r["status"] for r in summary["runs"]} == {"completed"}
    for run in summary["runs"]:  # each seed's own run, as a single `train --seed S` writes it
        own = json.loads((out / f"seed-{run['seed']}" / "summary.json").read_text())
        assert own["config"]["seed"] == run["seed"] and own["config"]["epochs"] == 1
        assert (out / f"seed-{run['seed']}" / "model.keras").is_file()
    losses = [r["final"]["val_loss"] for r in summary["runs"]]
    assert len(set(losses)) == 3
    assert summary["mean"]["val_loss"] == pytest.approx(np.mean(losses))
    assert summary["std"]["val_loss"] == pytest.approx(np.std(losses))
    assert f"val_loss {np.mean(losses):.4g} ± {np.std(losses):.2g}" in result.stdout


def test_headless_train_with_seeds_refuses_a_bad_count(tmp_path):
    from tests.models.training.test_training import run_main, small_project

    result = run_main("train", str(small_project(tmp_path)), "--seeds", "0")
    assert result.returncode == 2 and "--seeds must be from 1 to 50" in result.stderr
