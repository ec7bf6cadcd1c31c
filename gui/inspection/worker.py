"""The Inspection panel's worker thread: one long-lived thread that takes requests from a queue and hands each
to `models.inspection.engine.Inspector` (the numbers, no Qt).

When several requests are waiting only the newest runs (a user dragging a slider or editing the model wants
the latest state, not a backlog), keeping the newest input load among them so a new image is never lost.
"""

from __future__ import annotations

import queue

from PySide6.QtCore import QObject, Signal

from gui.threads import ManagedThread, attempt
from models.inspection.engine import InspectionRequest, InspectionResult, Inspector


class InspectionWorker(ManagedThread):
    """`finished(InspectionResult)` is queued to the GUI thread after every request that ran."""

    finished = Signal(object)
    _STOP = object()
    pauses_garbage_collection = False  # it lives as long as the panel and runs models eagerly, never tracing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requests: queue.Queue = queue.Queue()
        self.inspector = Inspector()

    # ----- GUI thread ---------------------------------------------------------------------------------------------
    def submit(self, request: InspectionRequest) -> None:
        if not self.isRunning():
            self.start()
        self.requests.put(request)

    def request_stop(self) -> None:
        super().request_stop()
        self.requests.put(self._STOP)

    # ----- worker thread ----------------------------------------------------------------------------------------
    def run(self) -> None:
        while True:
            pending = [self.requests.get()]
            while not self.requests.empty():
                pending.append(self.requests.get_nowait())
            if any(item is self._STOP for item in pending):
                return
            newest = merge_pending(pending)
            outcome = attempt(lambda request=newest: self.inspector.compute(request), (),
                              lambda error: f"Inspection failed: {error}", "inspection")
            self.finished.emit(outcome.result if outcome.error is None
                               else InspectionResult(newest.serial, error=outcome.error))


def merge_pending(pending: list[InspectionRequest]) -> InspectionRequest:
    """The one request to run for a backlog: the newest, carrying the newest input load among them. An input the
    user opened wins over preparing the old one again (it replaces that input anyway), and a load keeps its kind."""
    newest = pending[-1]
    loads = [item for item in pending if item.load is not None]
    user_loads = [item for item in loads if not item.replaces_pinned]
    if user_loads and (newest.load is None or newest.replaces_pinned):
        newest.load, newest.replaces_pinned = user_loads[-1].load, False
    elif newest.load is None and loads:
        newest.load, newest.replaces_pinned = loads[-1].load, loads[-1].replaces_pinned
    return newest
