"""Saving, loading and exporting trained models off the GUI thread (each traces or writes the whole model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from datasets.base import Cancelled
from gui.threads import CurrentWorker, Worker


class ModelTask(Worker):
    """Runs `work()` once in its own thread; `done(result)` or `failed(message)` (queued to the GUI). A full disk
    or a model TFLite cannot convert is a message, not a crash."""

    def __init__(self, work: Callable[[], Any], description: str, parent: QObject | None = None,
                 delete_when_finished: bool = False) -> None:
        super().__init__(description, parent, delete_when_finished)
        self._work = work

    def work(self) -> Any:
        return self._work()


def run_in_thread(holder: CurrentWorker, work: Callable[[], Any], description: str, done: Callable[[Any], None],
                  failed: Callable[[str], None], expected: tuple[type[BaseException], ...] = ()) -> ModelTask:
    """`work` in a ModelTask of its own that deletes itself when it ends; `holder` hears only the newest of its
    kind (an older one still running is dropped, not waited for). Errors of the `expected` kinds give their own
    message to `failed`."""
    task = ModelTask(work, description, holder, delete_when_finished=True)
    task.expected = expected
    holder.replace(task, done=done, failed=failed)
    task.start()
    return task


class ProgressTask(Worker):
    """Runs `work(report)` once in its own thread, where `report(done, total)` emits `progress` (call it between
    batches, a few dozen times at most) and raises `Cancelled` once a stop was asked: Cancel acts between
    batches, and `cancelled()` follows."""

    progress = Signal(int, int)

    def __init__(self, work: Callable[[Callable[[int, int], None]], Any], description: str,
                 expected: tuple[type[BaseException], ...] = (), parent: QObject | None = None) -> None:
        super().__init__(description, parent, delete_when_finished=True)
        self._work = work
        self.expected = expected

    def work(self) -> Any:
        return self._work(self._report)

    def _report(self, done: int, total: int) -> None:
        if self.isInterruptionRequested():
            raise Cancelled()
        self.progress.emit(done, total)
