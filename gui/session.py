"""The window's session: the Qt-free `SessionState` (loaded data, trained model) and the run in progress, with
the signals the panels listen to, so that panels take the document and the session, never each other."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from models.session_state import SessionState


class Session(QObject):
    """Signals: `dataset_loaded(Dataset)`, `run_starting(TrainWorker)` (before its thread starts: live inspection
    plugs in), `run_finished(TrainingResult)`, `model_ready(bool)` (a trained model is, or is no longer, at hand)."""

    dataset_loaded = Signal(object)
    run_starting = Signal(object)
    run_finished = Signal(object)
    model_ready = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = SessionState()
        self.running: Any = None  # the TrainWorker of the run in progress, if any

    def is_training(self) -> bool:
        return self.running is not None and shiboken6.isValid(self.running) and self.running.isRunning()
