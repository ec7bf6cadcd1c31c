"""A sweep run by KerasTuner: its oracles choose each trial's values (grid, random, Bayesian optimisation), and
each trial is an ordinary Strata training run (the same Trainer, reporter and run record as any other).

KerasTuner also spreads trials over processes and machines: one process started with
`KERASTUNER_TUNER_ID=chief` serves the oracle over gRPC at `KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT`; every
other process (`KERASTUNER_TUNER_ID=tuner0`, `tuner1`, ...) asks it for trials, trains them and reports back
(docs/distributed.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasets.base import Dataset
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig
from models.training.sweep import Sweep, SweepError, apply_values, check_sweep
from models.training.trainer import Reporter, Trainer, TrainingResult


@dataclasses.dataclass
class TrialOutcome:
    """One finished trial: KerasTuner's id, the values it tried, the model and settings it trained, the run."""

    trial_id: str
    values: dict[str, Any]
    spec: ModelSpec
    config: TrainingConfig
    result: TrainingResult
    objective: float | None


CANCELLED = "the sweep was stopped"


class SweepCancelledError(Exception):
    """The user stopped the sweep (raised between trials; a trial in progress stops within a batch)."""


def is_chief() -> bool:
    """This process serves the oracle to the workers (`KERASTUNER_TUNER_ID=chief`) and trains nothing itself."""
    return os.environ.get("KERASTUNER_TUNER_ID") == "chief" and "KERASTUNER_ORACLE_IP" in os.environ


def search_space(sweep: Sweep, kinds: dict[str, str]):
    """KerasTuner hyperparameters for the sweep: a Choice per list of values, an Int or Float per range."""
    import keras_tuner as kt

    hp = kt.HyperParameters()
    for parameter in sweep.parameters:
        kind, name = kinds[parameter.target], parameter.target
        if parameter.values:
            values = list(parameter.values)
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            if numbers and any(isinstance(v, float) for v in values):
                values = [float(v) for v in values]  # KerasTuner wants one type per Choice
            elif not numbers:
                values = [v if isinstance(v, bool) else str(v) for v in values]
            hp.Choice(name, values, ordered=numbers)
        elif kind == "int":
            low, high = int(round(parameter.min)), int(round(parameter.max))
            step = int(parameter.step) if parameter.step else None
            sampling = "log" if parameter.scale == "log" else "linear"
            hp.Int(name, low, high, step=step if step else (None if sampling == "log" else 1), sampling=sampling)
        else:
            hp.Float(name, parameter.min, parameter.max, step=parameter.step,
                     sampling="log" if parameter.scale == "log" else "linear")
    return hp


def make_oracle(sweep: Sweep, hp, max_trials: int):
    import keras_tuner as kt

    objective = kt.Objective(sweep.objective, direction=sweep.direction)
    common = {"objective": objective, "max_trials": max_trials, "seed": sweep.seed, "hyperparameters": hp,
              "allow_new_entries": False, "tune_new_entries": True,
              "max_consecutive_failed_trials": max_trials}  # a diverged trial is an answer, not a reason to quit
    oracle = {"grid": kt.oracles.GridSearchOracle, "random": kt.oracles.RandomSearchOracle,
              "bayesian": kt.oracles.BayesianOptimizationOracle}[sweep.search]
    return oracle(**common)


def run_sweep(sweep: Sweep, spec: ModelSpec, config: TrainingConfig, dataset: Dataset | None, directory: Path, *,
              reporter_for: Callable[[str, dict[str, Any]], Reporter] = lambda _id, _values: Reporter(),
              on_trial: Callable[[TrialOutcome], None] = lambda outcome: None,
              should_stop: Callable[[], bool] = lambda: False, overwrite: bool = False, quiet: bool = False):
    """Search with KerasTuner; returns the tuner (its oracle holds every trial, best first by
    `oracle.get_best_trials`). `directory` keeps KerasTuner's state: a sweep cut short resumes from it unless
    `overwrite`. Raises SweepError for a sweep that does not fit the project, SweepCancelledError when stopped."""
    import keras_tuner as kt
    from keras_tuner.src.engine import base_tuner

    kinds = check_sweep(sweep, spec, config)
    from models.training.sweep import grid_size

    max_trials = min(sweep.trials, grid_size(sweep, kinds)) if sweep.search == "grid" else sweep.trials
    checked: list[bool] = []

    def run_trial(trial_id: str, values: dict[str, Any]) -> dict[str, float]:
        if dataset is None:
            raise kt.errors.FatalError("this process has no data to train on")
        trial_spec, trial_config = apply_values(spec, config, values)
        result = Trainer(trial_spec, dataset, trial_config, reporter_for(trial_id, values)).run()
        value = result.final.get(sweep.objective)
        objective = float(value) if isinstance(value, int | float) and math.isfinite(value) else None
        if result.ok and objective is None and not checked:
            names = ", ".join(sorted(k for k in result.final if k != "learning_rate"))
            raise kt.errors.FatalError(f"the objective '{sweep.objective}' is not a metric these runs have ({names})")
        checked.append(True)
        on_trial(TrialOutcome(trial_id, values, trial_spec, trial_config, result, objective))
        if should_stop():  # KerasTuner keeps going past any other exception a trial raises
            raise kt.errors.FatalError(CANCELLED)
        if objective is None:
            raise kt.errors.FailedTrialError(f"the run ended {result.stopped}: {result.error}".strip(": "))
        return {sweep.objective: objective}

    class StrataTuner(base_tuner.BaseTuner):
        def pre_create_trial(self) -> None:
            if should_stop():
                raise SweepCancelledError()

        def run_trial(self, trial, *_args, **_kwargs):
            return run_trial(trial.trial_id, dict(trial.hyperparameters.values))

    hp = search_space(sweep, kinds)
    oracle = make_oracle(sweep, hp, max_trials)
    if quiet:
        oracle.verbose = 0  # the caller says what each trial is and did
    tuner = StrataTuner(oracle, directory=str(directory), project_name="keras_tuner", overwrite=overwrite)
    try:
        tuner.search()
    except kt.errors.FatalError as error:
        if str(error) == CANCELLED:
            raise SweepCancelledError() from None
        raise SweepError(str(error).splitlines()[0]) from None
    return tuner


def trial_table(tuner, sweep: Sweep) -> list[dict[str, Any]]:
    """Every trial the oracle knows: id, values, status and objective value, in the order they ran."""
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items(), key=lambda item: _trial_order(item[0])):
        score = trial.score
        rows.append({"trial": trial_id, "values": dict(trial.hyperparameters.values), "status": trial.status,
                     sweep.objective: None if score is None or not math.isfinite(score) else float(score)})
    return rows


def _trial_order(trial_id: str) -> tuple:
    """KerasTuner numbers trials '0', '1', ... '10': in number order, not text order."""
    return (0, int(trial_id), "") if trial_id.isdigit() else (1, 0, trial_id)


def best_values(rows: list[dict[str, Any]], sweep: Sweep) -> dict[str, Any] | None:
    """The best trial's row (lowest loss, highest accuracy), or None when no trial has a score."""
    scored = [row for row in rows if row.get(sweep.objective) is not None]
    if not scored:
        return None
    pick = min if sweep.direction == "min" else max
    return pick(scored, key=lambda row: row[sweep.objective])
