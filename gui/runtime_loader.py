"""Imports TensorFlow off the GUI thread, so the window appears in well under the 3 s import."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from gui.threads import ManagedThread
from models.runtime import RuntimeInfo, load_tensorflow

log = logging.getLogger(__name__)


class TensorFlowLoader(ManagedThread):
    """Runs `load_tensorflow` once; reports `loaded(RuntimeInfo)` or `failed(message)`."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info: RuntimeInfo | None = None

    def run(self) -> None:
        try:
            self.info = load_tensorflow()
        except Exception as error:  # an import error must reach the status bar, not kill the thread
            log.exception("TensorFlow failed to load")
            self.failed.emit(f"TensorFlow could not be loaded: {error}")
            return
        self.loaded.emit(self.info)
