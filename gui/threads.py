"""Threads the GUI starts, kept in one registry so that quitting (and the tests) can find them all.

Qt aborts the process when a running QThread is destroyed, so every worker the app owns is a
`ManagedThread`: the main window stops them on close, and a test fixture fails any test that
leaves one running.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QObject, QThread

_live_threads: weakref.WeakSet[ManagedThread] = weakref.WeakSet()


class ManagedThread(QThread):
    """A QThread that registers itself and can be asked to stop cooperatively."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _live_threads.add(self)

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
