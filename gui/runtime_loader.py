"""Imports TensorFlow off the GUI thread, so the window appears in well under the 3 s import."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.threads import Worker
from models.runtime import RuntimeInfo, load_tensorflow


class TensorFlowLoader(Worker):
    """Runs `load_tensorflow` once; reports `done(RuntimeInfo)` or `failed(message)`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("Loading TensorFlow", parent)
        self.info: RuntimeInfo | None = None

    def work(self) -> RuntimeInfo:
        self.info = load_tensorflow()
        return self.info

    def failure_message(self, error: BaseException) -> str:
        return f"TensorFlow could not be loaded: {error}"
