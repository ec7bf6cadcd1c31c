"""`python main.py sweep PROJECT SWEEP.json [--trials N] --out DIR`: the window's sweep, headless.

Each trial is a normal run written to `DIR/trial-<id>/` (steps.csv, history, summary.json, model.keras, as
`train` writes them); `DIR/sweep.json` holds every trial's values and objective and the best trial;
`DIR/keras_tuner/` is KerasTuner's state, so running the same command again resumes a sweep cut short.
With KERASTUNER_TUNER_ID / KERASTUNER_ORACLE_IP / KERASTUNER_ORACLE_PORT set, this process is the chief
(serving trials) or a worker (training them): docs/distributed.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from models.cli.train import StepWriter, TerminalReporter, write_outputs
from models.graph.project import Project, ProjectError
from models.training.config import ConfigError, TrainingConfig
from models.training.records import json_safe
from models.training.sweep import Sweep, SweepError, load_sweep


def sweep_command(project_path: Path, sweep_path: Path, out_dir: Path, trials: int | None = None,
                  overwrite: bool = False, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Exit status: 0 when a trial gave the objective, 1 when none did (or the data failed), 2 for a bad project,
    sweep file or setting."""
    import dataclasses

    from models.training.tuner import best_values, is_chief, run_sweep, trial_table

    try:
        project = Project.load(project_path)
        config = TrainingConfig.from_dict(project.training)
        sweep = load_sweep(sweep_path)
        if trials is not None:
            sweep = dataclasses.replace(sweep, trials=trials)
            Sweep.from_dict(sweep.to_dict())
    except (ProjectError, ConfigError, SweepError, TypeError) as error:
        print(f"strata sweep: {error}", file=err)
        return 2
    dataset = None
    if is_chief():
        print("chief: serving the trials to the workers; it trains nothing itself", file=out, flush=True)
    else:
        from datasets.base import DatasetError
        from datasets.registry import load_dataset

        print(f"loading data: {project.dataset.get('source')}", file=out, flush=True)
        try:
            dataset = load_dataset(project.dataset)
        except (DatasetError, ValueError) as error:
            print(f"strata sweep: {error}", file=err)
            return 1
    writers: list[StepWriter] = []
    mine: list[dict[str, Any]] = []

    def reporter_for(trial_id: str, values: dict[str, Any]) -> TerminalReporter:
        print(f"trial {trial_id}: {_values_text(values)}", file=out, flush=True)
        writers.append(StepWriter(out_dir / f"trial-{trial_id}" / "steps.csv"))
        return TerminalReporter(out, interval=10.0, steps=writers[-1])

    def on_trial(outcome) -> None:
        for writer in writers:
            writer.close()
        write_outputs(out_dir / f"trial-{outcome.trial_id}", outcome.result, outcome.config, project)
        shown = "no value" if outcome.objective is None else f"{outcome.objective:.4g}"
        print(f"trial {outcome.trial_id} {outcome.result.stopped}: {sweep.objective} {shown}", file=out, flush=True)
        mine.append({"trial": outcome.trial_id, "values": outcome.values, "status": outcome.result.stopped,
                     sweep.objective: outcome.objective})

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        tuner = run_sweep(sweep, project.spec, config, dataset, out_dir, reporter_for=reporter_for,
                          on_trial=on_trial, overwrite=overwrite, quiet=True)
    except SweepError as error:
        print(f"strata sweep: {error}", file=err)
        return 2
    finally:
        for writer in writers:
            writer.close()
    rows = trial_table(tuner, sweep) if hasattr(tuner.oracle, "trials") else mine  # a worker sees its own
    best = best_values(rows, sweep)
    summary = {"sweep": sweep.to_dict(), "direction": sweep.direction, "trials": rows, "best": best}
    (out_dir / "sweep.json").write_text(json.dumps(json_safe(summary), indent=2, allow_nan=False), encoding="utf-8")
    if best is None:
        print(f"strata sweep: no trial gave {sweep.objective}", file=err)
        return 1
    print(f"best: trial {best['trial']}, {_values_text(best['values'])}: {sweep.objective} "
          f"{best[sweep.objective]:.4g} ({len(rows)} trials)", file=out)
    print(f"wrote {out_dir}/sweep.json and a folder per trial", file=out)
    return 0


def _values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}"
                     for key, value in values.items())
