"""A sweep in the training thread: KerasTuner chooses each trial's values, and each trial trains exactly as a
Start does, through the same buffers, progress, pause and stop (a TrainWorker whose work is many runs)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from datasets.base import Dataset, DatasetError
from datasets.base import Progress as LoadProgress
from gui.training.worker import QtReporter, TrainWorker
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig
from models.training.progress import Progress
from models.training.sweep import Sweep, SweepError
from models.training.trainer import TrainingResult


class SweepWorker(TrainWorker):
    """Signals, besides TrainWorker's: `trial_started(number, values)` before each trial trains and
    `trial_done()` after it: the GUI thread then takes the finished trials (`take_outcomes`) and records each as
    a run; what a closing window never heard of is taken the same way. `done` carries a TrainingResult whose
    `stopped` says how the sweep ended (completed, stopped or error, with the reason)."""

    trial_started = Signal(int, object)
    trial_done = Signal()

    def __init__(self, sweep: Sweep, spec: ModelSpec, config: TrainingConfig, dataset: Dataset | None,
                 dataset_choice: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(spec, config, dataset, dataset_choice, parent)
        self.sweep = sweep
        self.trials_done = 0
        self.outcomes: list = []  # finished trials the GUI thread has not taken yet (under self.lock)

    def _reporter_for(self, _trial_id: str, values: dict[str, Any]) -> QtReporter:
        self.progress = Progress()  # each trial's own steps and ETA
        self.trial_started.emit(self.trials_done + 1, dict(values))
        return QtReporter(self)

    def _on_trial(self, outcome) -> None:
        self.trials_done += 1
        with self.lock:
            self.outcomes.append(outcome)
        self.trial_done.emit()

    def take_outcomes(self) -> list:
        with self.lock:
            outcomes, self.outcomes = self.outcomes, []
        return outcomes

    def work(self) -> TrainingResult:
        from models.training.tuner import SweepCancelledError, run_sweep

        folder = Path(tempfile.mkdtemp(prefix="strata-sweep-"))  # KerasTuner's state, for this sweep only
        try:
            dataset = self.dataset
            if dataset is None:
                from datasets.registry import load_dataset

                self.message.emit(f"Loading data ({self.dataset_choice.get('source')})…")
                dataset = load_dataset(self.dataset_choice, LoadProgress(is_cancelled=self.stop_event.is_set))
            run_sweep(self.sweep, self.spec, self.config, dataset, folder, reporter_for=self._reporter_for,
                      on_trial=self._on_trial, should_stop=self.stop_event.is_set, overwrite=True, quiet=True)
            self.result = TrainingResult(stopped="completed", steps=self.trials_done)
        except SweepCancelledError:
            self.result = TrainingResult(stopped="stopped", steps=self.trials_done)
        except (SweepError, DatasetError) as error:
            self.result = TrainingResult(stopped="error", error=str(error), steps=self.trials_done)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return self.result

    def failure_message(self, error: BaseException) -> str:
        return f"The sweep failed: {error}"
