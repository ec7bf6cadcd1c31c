"""Threads the GUI starts, kept in one registry so that quitting (and the tests) can find them all.

Qt aborts the process when a running QThread is destroyed, so every worker the app owns is a
`ManagedThread`: the main window stops them on close, and a test fixture fails any test that
leaves one running. A worker that cannot stop in time (TensorFlow tracing a 400-layer model for a minute
cannot be interrupted) is *abandoned*: taken from its parent widget, so closing the window does not destroy
it, and kept here; once the event loop has ended, `exit_if_abandoned` ends the process without the
interpreter's teardown, which would destroy the running thread and abort.

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
import logging
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from datasets.base import Cancelled

log = logging.getLogger(__name__)

_live_threads: weakref.WeakSet[ManagedThread] = weakref.WeakSet()
_abandoned: list[ManagedThread] = []  # strong references: an abandoned thread must never be destroyed


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


class Worker(ManagedThread):
    """One piece of work in its own thread, and the one error boundary every such worker shares.

    Subclasses write `work()`. Its return value is emitted as `done(result)`. A `Cancelled` (from
    `datasets.base`, raised by a load's progress callback) emits `cancelled()`. An error of one of the kinds in
    `expected` (the user's input: a bad file, a refused option) emits `failed(message)` with the error's own plain
    message. Any other exception is logged with its traceback and emits `failed(failure_message(error))`: nothing
    escapes into Qt's event loop and no thread dies silently.
    """

    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    expected: tuple[type[BaseException], ...] = ()

    def __init__(self, description: str, parent: QObject | None = None, delete_when_finished: bool = False) -> None:
        super().__init__(parent)
        self.description = description
        if delete_when_finished:  # a fire-and-forget task: nothing piles up under its parent
            self.finished.connect(self.deleteLater)

    def work(self) -> object:
        raise NotImplementedError

    def failure_message(self, error: BaseException) -> str:
        return f"{self.description} failed: {error}"

    def run(self) -> None:
        outcome = attempt(self.work, self.expected, self.failure_message, self.description)
        if outcome.cancelled:
            self.cancelled.emit()
        elif outcome.error is not None:
            self.failed.emit(outcome.error)
        else:
            self.done.emit(outcome.result)


@dataclass
class Outcome:
    """How one piece of work ended: its result, or the message for the window, or cancelled."""

    result: object = None
    error: str | None = None
    cancelled: bool = False


def attempt(work: Callable[[], object], expected: tuple[type[BaseException], ...],
            failure_message: Callable[[BaseException], str], description: str) -> Outcome:
    """The error boundary of every worker: `Worker.run` for one-shot work and the Inspection worker's queue
    for each request. A `Cancelled` is cancelled; an expected error gives its own plain message; any other
    is logged with its traceback and given `failure_message(error)`."""
    try:
        return Outcome(work())
    except Cancelled:
        return Outcome(cancelled=True)
    except expected as error:
        return Outcome(error=str(error))
    except Exception as error:  # the boundary: a message for the window, the traceback for the log
        log.exception("%s failed", description)
        return Outcome(error=failure_message(error))


class _Relay(QObject):
    """One signal of one worker, delivered on the GUI thread to its handler while that worker is current."""

    def __init__(self, holder: CurrentWorker, worker: ManagedThread, handler: Callable) -> None:
        super().__init__(holder)
        self.holder, self.worker, self.handler = holder, worker, handler

    def deliver(self, *args) -> None:
        if self.holder.worker is self.worker:
            self.handler(*args)


class CurrentWorker(QObject):
    """The one worker of its kind that a panel listens to: its data load, its training run, its model load.

    `replace(worker, done=..., failed=..., ...)` retires the previous worker and connects the new one's signals to
    the handlers through relays living on this object's thread (the GUI thread). Whatever a retired worker still
    sends is dropped here: Qt delivers a queued signal even after a disconnect, so without this every slot would
    have to check `sender()`. When the current worker's thread finishes it stops being current (a finished
    worker that deletes itself is never reached through `worker` again).
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.worker: ManagedThread | None = None
        self._relays: list[_Relay] = []

    def replace(self, worker: ManagedThread, **handlers: Callable) -> ManagedThread:
        self.retire()
        self.worker = worker
        for name, handler in {**handlers, "finished": self._finished}.items():
            relay = _Relay(self, worker, handler)
            getattr(worker, name).connect(relay.deliver)
            self._relays.append(relay)
        return worker

    def retire(self) -> None:
        """Stop listening to the current worker (it may run on: stopping it is the caller's choice)."""
        self.worker = None
        for relay in self._relays:
            relay.deleteLater()  # Qt disconnects a deleted receiver; queued calls before that are dropped above
        self._relays = []

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _finished(self) -> None:
        self.retire()


def running_threads() -> list[ManagedThread]:
    """Every managed thread that has started and not yet finished (a deleted one has finished: Qt
    deleted it with its parent, which it only does to a stopped thread)."""
    return [thread for thread in list(_live_threads) if shiboken6.isValid(thread) and thread.isRunning()]


def stop_all_threads(timeout_ms: int = 10_000) -> list[ManagedThread]:
    """Ask every running managed thread (not yet abandoned) to stop, and wait for all of them together up to
    `timeout_ms`; returns those that did not end."""
    threads = [thread for thread in running_threads() if thread not in _abandoned]
    for thread in threads:
        thread.request_stop()
    deadline = time.monotonic() + timeout_ms / 1000
    return [thread for thread in threads
            if not thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))]


def abandon(thread: ManagedThread) -> None:
    """Let a thread that did not stop in time run on alone: detached from the widgets (closing them must not
    destroy it), its own signals disconnected (its results belong to what was closed), deleted once it ends."""
    if thread in _abandoned:
        return
    log.warning("leaving %s to finish alone: it did not stop in time", type(thread).__name__)
    thread.request_stop()
    for klass in type(thread).__mro__:
        if klass is ManagedThread:
            break
        for name, value in vars(klass).items():
            if isinstance(value, Signal):
                with warnings.catch_warnings():  # (PySide warns when nothing was connected)
                    warnings.simplefilter("ignore", RuntimeWarning)
                    try:
                        getattr(thread, name).disconnect()
                    except (RuntimeError, TypeError):
                        pass
    thread.setParent(None)
    thread.finished.connect(thread.deleteLater)
    _abandoned.append(thread)


def abandoned_threads() -> list[ManagedThread]:
    """Abandoned threads that are still running (and drops the references to those that have ended)."""
    _abandoned[:] = [thread for thread in _abandoned if shiboken6.isValid(thread) and thread.isRunning()]
    return list(_abandoned)


def exit_if_abandoned(code: int) -> None:
    """After the event loop: if an abandoned thread still runs, end the process now, cleanly for the user
    (everything was saved or declined before the window closed), instead of letting Python's teardown destroy
    the running thread, which aborts."""
    running = abandoned_threads()
    if not running:
        return
    log.warning("exiting with %d worker thread(s) still running", len(running))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
