"""Threads the GUI starts, kept in one registry so that quitting (and the tests) can find them all.

Qt aborts the process when a running QThread is destroyed, so every worker the app owns is a
`ManagedThread`: the main window stops them on close, and a test fixture fails any test that
leaves one running.

Garbage is collected on the GUI thread only. Python collects in whichever thread happens to allocate, and a
collection in a worker that frees Qt widgets (a closed plot's menus, in a reference cycle) deletes them off the
GUI thread: in CI the Inspection worker and the GUI thread deadlocked, each deleting a QMenu, one holding
Qt's object lock and waiting for Python's, the other the reverse. So once a worker thread starts, automatic
collection is off and pyqtgraph's `GarbageCollector` collects from a GUI-thread timer instead.

While a thread that traces TensorFlow functions runs (training, data loading, saving), that collection also
waits. A collection on the GUI thread that frees TensorFlow objects while another thread is tracing
deadlocked the process: the collector (holding Python's lock) waited in a TensorFlow finalizer for a lock the
tracing thread held, while that thread waited for Python's lock (seen in CI, test_inspection_panel, GUI
thread "Garbage-collecting", training thread in `func_graph_from_py_func`). The paused collection runs
within a second of the last such thread ending.
"""

from __future__ import annotations

import functools
import gc
import threading
import weakref

import shiboken6
from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication, QObject, QThread

_live_threads: weakref.WeakSet[ManagedThread] = weakref.WeakSet()


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


_collector: GarbageCollector | None = None


class _GuiThreadCollector(GarbageCollector):
    """pyqtgraph's collector (automatic collection off; generation by generation from a 1 s GUI-thread timer,
    with Python's own thresholds), which also waits while a tracing thread runs."""

    def check(self) -> None:
        if not collection_paused():
            super().check()


def collect_on_gui_thread() -> None:
    """From now on, garbage is collected only by a timer on the GUI thread (call from the GUI thread)."""
    global _collector
    app = QCoreApplication.instance()
    if _collector is not None or app is None or QThread.currentThread() is not app.thread():
        return
    with _gc_lock:
        _collector = _GuiThreadCollector()  # turns automatic collection off


def collection_paused() -> bool:
    """True while a thread that traces TensorFlow functions runs."""
    return _gc_pauses > 0


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
        if _gc_pauses == 0 and _gc_was_enabled and _collector is None:
            gc.enable()  # no GUI-thread collector: automatic collection comes back


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
        collect_on_gui_thread()  # before any worker can run a collection of its own
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
