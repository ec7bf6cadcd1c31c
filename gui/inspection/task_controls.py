"""Compute / Cancel and a progress bar for a view's long computation, and the runner that starts it in a
cancellable worker (`ProgressTask`) and reports back to those controls and a status line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QPushButton

from gui.model_tasks import ProgressTask
from gui.threads import CurrentWorker


class TaskControls(QObject):
    """The three widgets (placed by the view where it wants them): `compute_clicked` / `cancel_clicked`."""

    compute_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.compute_button = QPushButton("Compute")
        self.compute_button.clicked.connect(self.compute_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.set_running(False)

    def widgets(self) -> tuple[QPushButton, QPushButton, QProgressBar]:
        return self.compute_button, self.cancel_button, self.progress

    def set_running(self, running: bool) -> None:
        self.compute_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first batch reports

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)


class TaskRunner(QObject):
    """Runs one view's computation at a time: `run(work, ...)` where `work(report)` calls `report(done, total)`
    between batches; Cancel stops it there. The outcome goes to `done(result)`, or as words to `status`."""

    def __init__(self, controls: TaskControls, status: Callable[[str], None], parent: QObject) -> None:
        super().__init__(parent)
        self.controls, self.status = controls, status
        self.runs = CurrentWorker(self)
        controls.cancel_clicked.connect(self.cancel)

    def run(self, work: Callable[[Callable[[int, int], None]], Any], description: str, started: str,
            done: Callable[[Any], None], expected: tuple[type[BaseException], ...] = ()) -> None:
        task = ProgressTask(work, description, expected, self)
        self.runs.replace(task, done=lambda result: self._finished(done, result), failed=self._failed,
                          cancelled=self._cancelled, progress=self.controls.set_progress)
        self.controls.set_running(True)
        self.status(started)
        task.start()

    def cancel(self) -> None:
        if self.runs.worker is not None:
            self.runs.worker.request_stop()

    def _finished(self, done: Callable[[Any], None], result: Any) -> None:
        self.controls.set_running(False)
        done(result)

    def _failed(self, message: str) -> None:
        self.controls.set_running(False)
        self.status(message)

    def _cancelled(self) -> None:
        self.controls.set_running(False)
        self.status("Cancelled.")
