"""A lesson's experiment in its own thread: progress once per epoch (never per batch), a stop that ends the run
in progress and the lesson, and the evidence (with the folder it was written to) at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.threads import Worker
from models.lessons.evidence import LessonWatch
from models.training.trainer import Reporter


class _EpochReporter(Reporter):
    """Tells the worker each finished epoch of one run, and stops the run when the lesson is stopped."""

    def __init__(self, worker: LessonWorker, label: str, index: int, total: int) -> None:
        self.worker, self.label, self.index, self.total = worker, label, index, total
        self.epochs = 1

    def on_train_begin(self, info: dict[str, Any]) -> None:
        self.epochs = max(int(info.get("epochs", 1)), 1)
        self._tell(0)

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        self._tell(epoch + 1)

    def should_stop(self) -> bool:
        return self.worker.isInterruptionRequested()

    def _tell(self, epochs_done: int) -> None:
        share = (self.index - 1 + epochs_done / self.epochs) / self.total
        self.worker.progress.emit(f"Run {self.index} of {self.total}: {self.label}, epoch {epochs_done} of "
                                  f"{self.epochs}", round(100 * share))


class _WorkerWatch(LessonWatch):
    def __init__(self, worker: LessonWorker) -> None:
        self.worker = worker

    def reporter(self, label: str, index: int, total: int) -> Reporter:
        return _EpochReporter(self.worker, label, index, total)

    def stopped(self) -> bool:
        return self.worker.isInterruptionRequested()


class LessonWorker(Worker):
    """Runs lesson `name` into `folder`: `progress(text, percent)`, then `done((evidence, folder))`,
    `cancelled()` after a stop, or `failed(message)`."""

    progress = Signal(str, int)

    def __init__(self, name: str, folder: Path, quick: bool = False, parent: QObject | None = None) -> None:
        super().__init__(f"The lesson '{name}'", parent)
        self.name, self.folder, self.quick = name, Path(folder), quick

    def work(self) -> object:
        from models.lessons import run_lesson

        evidence = run_lesson(self.name, self.folder, self.quick, _WorkerWatch(self))
        return evidence, self.folder
