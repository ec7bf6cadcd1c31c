"""Garbage is collected on the GUI thread only (a collection in a worker that freed Qt widgets deadlocked the
process), and not at all while a tracing thread runs (a collection freeing TensorFlow objects on the GUI thread
while another thread traced deadlocked it too); it resumes when the last such thread ends."""

from __future__ import annotations

import gc
import threading

from gui import threads
from gui.threads import ManagedThread, collection_paused


class Waiting(ManagedThread):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.saw_gc_enabled: bool | None = None

    def run(self) -> None:
        self.saw_gc_enabled = gc.isenabled()
        self.release.wait(10)


class Eager(Waiting):
    pauses_garbage_collection = False


class Allocating(Eager):
    """Makes enough container objects that Python would collect in this thread, were automatic collection on."""

    def run(self) -> None:
        self.saw_gc_enabled = gc.isenabled()
        kept = []
        while not self.release.is_set() and not self.isInterruptionRequested():  # stop_all_threads ends it too
            kept.append([[] for _ in range(2_000)])
            if len(kept) > 50:
                kept.clear()


class Cycle:
    """Garbage that only a collection frees; says which thread finalized it."""

    def __init__(self, seen: list[str]) -> None:
        self.me = self
        self.seen = seen

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def test_collection_is_paused_while_any_tracing_thread_runs(qtbot):
    first, second = Waiting(), Waiting()
    first.start()
    second.start()
    qtbot.waitUntil(lambda: first.saw_gc_enabled is not None and second.saw_gc_enabled is not None)
    assert collection_paused() and first.saw_gc_enabled is False
    seen: list[str] = []
    Cycle(seen)
    threads._collector.check()  # the GUI-thread timer's tick: waits while tracing threads run
    assert seen == []
    first.release.set()
    assert first.wait(5000)
    assert collection_paused()  # the second still runs
    second.release.set()
    assert second.wait(5000)
    assert not collection_paused()
    # Python collects generation 0 once its count (objects made minus objects freed) passes 700. Objects that an
    # earlier test left for deleteLater are freed while this one waits and pull the count back down, so keep
    # allocating while waiting: the next timer tick past the threshold collects, on this thread.
    allocated: list[list] = []

    def collected() -> bool:
        allocated.append([[] for _ in range(2_000)])
        return bool(seen)

    qtbot.waitUntil(collected, timeout=10_000)
    assert seen == [threading.main_thread().name]


def test_a_thread_that_never_traces_does_not_pause_collection(qtbot):
    worker = Eager()
    worker.start()
    qtbot.waitUntil(lambda: worker.saw_gc_enabled is not None)
    assert not collection_paused()
    assert worker.saw_gc_enabled is False  # automatic collection is off: only the GUI thread collects
    worker.release.set()
    assert worker.wait(5000)


def test_garbage_made_while_a_worker_allocates_is_collected_on_the_gui_thread(qtbot):
    worker = Allocating()
    worker.start()
    seen: list[str] = []
    try:
        qtbot.waitUntil(lambda: worker.saw_gc_enabled is not None)
        assert worker.saw_gc_enabled is False
        for _ in range(20):
            Cycle(seen)

        def collected() -> bool:
            # The 1 s timer ticks on this thread; ticking here too makes the wait independent of a loaded
            # machine's timer latency, and a tick still collects only past Python's own threshold.
            threads._collector.check()
            return len(seen) == 20

        qtbot.waitUntil(collected, timeout=20_000)
    finally:  # a failure must not leave the allocating thread running into the next tests
        worker.release.set()
        assert worker.wait(5000)
    assert set(seen) == {threading.main_thread().name}


def test_the_worker_base_is_the_one_error_boundary(qtbot):
    """done / cancelled / failed with the error's own message / failed with the traceback logged, and a
    fire-and-forget worker deletes itself once finished."""
    import shiboken6

    from datasets.base import Cancelled, DatasetError
    from gui.threads import Worker

    class Job(Worker):
        expected = (DatasetError,)

        def __init__(self, outcome, **kwargs) -> None:
            super().__init__("A job", **kwargs)
            self.outcome = outcome

        def work(self):
            if isinstance(self.outcome, BaseException):
                raise self.outcome
            return self.outcome

    def run(job: Job, signal_name: str):
        with qtbot.waitSignal(getattr(job, signal_name), timeout=10_000) as blocker:
            job.start()
        job.wait()
        return blocker.args

    assert run(Job(42), "done") == [42]
    assert run(Job(Cancelled()), "cancelled") == []
    assert run(Job(DatasetError("the file is empty")), "failed") == ["the file is empty"]
    assert run(Job(ZeroDivisionError("division by zero")), "failed") == ["A job failed: division by zero"]
    job = Job(1, delete_when_finished=True)
    run(job, "done")
    qtbot.waitUntil(lambda: not shiboken6.isValid(job), timeout=5_000)


def test_a_replaced_worker_is_not_heard_even_for_what_it_queued_before(qtbot):
    """Qt delivers a queued signal after a disconnect; the current-worker holder drops it. Handlers run on the
    GUI thread, and a worker whose thread has finished stops being current."""
    from PySide6.QtCore import QObject

    from gui.threads import CurrentWorker, Worker

    class Job(Worker):
        def __init__(self, value) -> None:
            super().__init__("A job")
            self.value = value

        def work(self):
            return self.value

    owner = QObject()
    holder = CurrentWorker(owner)
    heard = []
    first, second = Job("first"), Job("second")
    holder.replace(first, done=lambda value: heard.append((value, threading.current_thread().name)))
    first.start()
    first.wait()  # its `done` is now queued to this thread, not yet delivered
    holder.replace(second, done=lambda value: heard.append((value, threading.current_thread().name)))
    with qtbot.waitSignal(second.finished, timeout=10_000):
        second.start()
    qtbot.waitUntil(lambda: holder.worker is None, timeout=5_000)
    assert heard == [("second", threading.main_thread().name)]
    assert not holder.is_running()
