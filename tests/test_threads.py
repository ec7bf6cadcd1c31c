"""Worker threads pause Python's garbage collection while they run (a collection freeing TensorFlow objects
on the GUI thread while another thread traced deadlocked the process) and resume it when the last ends."""

from __future__ import annotations

import gc
import threading

from gui.threads import ManagedThread


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


def test_collection_is_paused_while_any_tracing_thread_runs(qtbot):
    assert gc.isenabled()
    first, second = Waiting(), Waiting()
    first.start()
    second.start()
    qtbot.waitUntil(lambda: first.saw_gc_enabled is not None and second.saw_gc_enabled is not None)
    assert not gc.isenabled() and first.saw_gc_enabled is False
    first.release.set()
    assert first.wait(5000)
    assert not gc.isenabled()  # the second still runs
    second.release.set()
    assert second.wait(5000)
    assert gc.isenabled()


def test_a_thread_that_never_traces_leaves_collection_on(qtbot):
    worker = Eager()
    worker.start()
    qtbot.waitUntil(lambda: worker.saw_gc_enabled is not None)
    assert worker.saw_gc_enabled is True and gc.isenabled()
    worker.release.set()
    assert worker.wait(5000)
