"""Saving, loading and exporting trained models off the GUI thread (each traces or writes the whole model)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.threads import ManagedThread

log = logging.getLogger(__name__)


class ModelTask(ManagedThread):
    """Runs `work()` once in its own thread; `done(result)` or `failed(message)` (queued to the GUI)."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[], Any], description: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self.description = description

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # a full disk, a model TFLite cannot convert: a message, not a crash
            log.exception("%s failed", self.description)
            self.failed.emit(f"{self.description} failed: {error}")
            return
        self.done.emit(result)
