"""Loads a dataset off the GUI thread (generating, reading files, building tf.data), with progress and
cancellation. The GUI receives the Dataset plus a few preview samples already turned into numpy."""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from datasets.base import DatasetError, Progress
from datasets.registry import load_dataset
from datasets.statistics import feature_statistics
from gui.threads import Worker

log = logging.getLogger(__name__)

PREVIEW_COUNT = 16


class DatasetLoader(Worker):
    """Signals (emitted from the worker thread; connect them to GUI slots, which Qt then queues):
    `progress(done, total, message)`, `done((dataset, preview_x, preview_y))`, `failed(message)`, `cancelled()`."""

    progress = Signal(int, int, str)
    expected = (DatasetError,)

    def __init__(self, choice: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(f"Loading {choice.get('source')}", parent, delete_when_finished=True)
        self.choice = {"source": choice.get("source"), "options": dict(choice.get("options", {}))}
        self._cancel = threading.Event()

    def request_stop(self) -> None:
        self._cancel.set()
        super().request_stop()

    def work(self) -> tuple[Any, Any, Any]:
        progress = Progress(lambda done, total, message: self.progress.emit(done, total, message),
                            self._cancel.is_set)
        dataset = load_dataset(self.choice, progress)
        progress.step(1, 1, "preparing the preview")
        preview_x, preview_y = dataset.preview(PREVIEW_COUNT)
        statistics = feature_statistics(dataset.train, dataset.info.input_dtype)  # what Normalization adapts to
        if statistics is not None:
            dataset.info.feature_mean, dataset.info.feature_variance = statistics
        return dataset, preview_x, preview_y

    def failure_message(self, error: BaseException) -> str:
        return f"The data could not be loaded: {type(error).__name__}: {error}"
