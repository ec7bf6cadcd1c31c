"""Threads the GUI starts, kept in one registry so that quitting (and the tests) can find them all.

Qt aborts the process when a running QThread is destroyed, so every worker the app owns is a
`ManagedThread`: the main window stops them on close, and a test fixture fails any test that
leaves one running.

While a thread that traces TensorFlow functions runs (training, data loading, saving), Python's automatic
garbage collection is paused. A collection on the GUI thread that frees TensorFlow objects while another
thread is tracing deadlocked the process: the collector (holding Python's lock) waited in a TensorFlow
finalizer for a lock the tracing thread held, while that thread waited for Python's lock (seen in CI,
test_inspection_panel, GUI thread "Garbage-collecting", training thread in `func_graph_from_py_func`).
The paused collection runs when the last such thread ends.
"""

from __future__ import annotations

import functools
import gc
import threading
import weakref

import shiboken6
from PySide6.QtCore import QObject, QThread

_live_threads: weakref.WeakSet[ManagedThread] = weakref.WeakSet()


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


def _pause_garbage_collection() -> None:
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1


def _resume_garbage_collection() -> None:
    global _gc_pauses
    with _gc_lock:
        _gc_pauses -= 1
        if _gc_pauses == 0 and _gc_was_enabled:
            gc.enable()


class ManagedThread(QThread):
    """A QThread that registers itself and can be asked to stop cooperatively."""

    pauses_garbage_collection = True  # False only for threads that never trace TensorFlow functions

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _live_threads.add(self)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "_resumes_gc", False):
            @functools.wraps(run)
            def wrapped(self) -> None:
                try:
                    run(self)
                finally:
                    if self._gc_paused:
                        self._gc_paused = False
                        _resume_garbage_collection()

            wrapped._resumes_gc = True
            cls.run = wrapped

    _gc_paused = False

    def start(self, *args) -> None:
        if self.pauses_garbage_collection and not self.isRunning() and not self._gc_paused:
            self._gc_paused = True
            _pause_garbage_collection()
        super().start(*args)

    def request_stop(self) -> None:
        """Ask the work to end soon; subclasses with interruptible work override this."""
        self.requestInterruption()


def running_threads() -> list[ManagedThread]:
    """Every managed thread that has started and not yet finished (a deleted one has finished: Qt
    deleted it with its parent, which it only does to a stopped thread)."""
    return [thread for thread in list(_live_threads) if shiboken6.isValid(thread) and thread.isRunning()]


def stop_all_threads(timeout_ms: int = 10_000) -> list[ManagedThread]:
    """Ask every running managed thread to stop and wait for it; returns those that did not end."""
    stuck = []
    for thread in running_threads():
        thread.request_stop()
        if not thread.wait(timeout_ms):
            stuck.append(thread)
    return stuck
