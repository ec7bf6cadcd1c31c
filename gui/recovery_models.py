"""The weights of unsaved work, kept for crash recovery: the model of a run trained or imported since the last save
is written once beside the recovery file (in a worker: a ResNet50 is 100 MB), and read back (in a worker) when a
crashed session's work is restored, so that restoring brings the weights too, not only the graph."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.model_tasks import ModelTask

log = logging.getLogger(__name__)


def models_folder(recovery_file: Path) -> Path:
    """`recovery-123.strata.json` keeps its models in `recovery-123-models/`."""
    return recovery_file.with_name(recovery_file.name.split(".")[0] + "-models")


class RecoveryModels(QObject):
    """Signals: `written()` when more models are on disk (the recovery file should name them), `restored(model,
    run id)` for each model read back, `failed(message)`."""

    written = Signal()
    restored = Signal(object, str)
    failed = Signal(str)

    def __init__(self, recovery_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = models_folder(recovery_file)
        self.files: dict[str, str] = {}  # run id -> its model's file, written
        self._task: ModelTask | None = None
        self._discarded = False

    def keep(self, models: dict[str, Any]) -> None:
        """Write the models not written yet (one task at a time; the next autosave takes the rest)."""
        missing = {run_id: model for run_id, model in models.items() if run_id not in self.files}
        if not missing or (self._task is not None and self._task.isRunning()):
            return
        folder = self.folder
        self._discarded = False

        def write() -> dict[str, str]:
            from models.building.export import save_keras

            return {run_id: str(save_keras(model, folder / f"{run_id}.keras")) for run_id, model in missing.items()}

        self._task = ModelTask(write, "Keeping the unsaved models for recovery", self)
        self._task.done.connect(self._written)
        self._task.failed.connect(lambda message: log.warning("recovery models not written: %s", message))
        self._task.start()

    def _written(self, files: dict[str, str]) -> None:
        if self._discarded:  # the work was saved or declined meanwhile
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        self.files.update(files)
        self.written.emit()

    def discard(self) -> None:
        self._discarded = True
        self.files.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restore(self, files: dict[str, str], folder: Path) -> None:
        """Read a crashed session's models back; its folder goes once they are read."""

        def read() -> dict[str, Any]:
            from models.building.export import load_keras

            return {run_id: load_keras(path) for run_id, path in files.items() if Path(path).is_file()}

        task = ModelTask(read, "Restoring the unsaved models", self, delete_when_finished=True)
        task.done.connect(lambda models: self._restored(models, folder))
        task.failed.connect(self.failed.emit)
        task.start()
        self._restore_task = task

    def _restored(self, models: dict[str, Any], folder: Path) -> None:
        for run_id, model in models.items():
            self.restored.emit(model, run_id)
        shutil.rmtree(folder, ignore_errors=True)

    def wait(self) -> None:
        """Let a running write or read finish (closing the window, tests)."""
        for task in (self._task, getattr(self, "_restore_task", None)):
            if task is not None:
                try:
                    task.wait()
                except RuntimeError:  # deleted when it finished
                    pass
