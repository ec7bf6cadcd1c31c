"""Test-wide set-up: headless Qt, Keras on TensorFlow, private settings, and no leaked threads."""

from __future__ import annotations

import os
import sys
import tempfile

# Before Qt or Keras is imported by any test module.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# QSettings on Linux writes under XDG_CONFIG_HOME: keep tests away from the user's real settings.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="strata-test-config-")
# ... and recovery files (QStandardPaths.AppDataLocation) away from the user's real data.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="strata-test-data-")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_thread_left_running(request: pytest.FixtureRequest):
    """Fail a test that leaves a Strata worker thread running (Qt would abort on its destruction)."""
    yield
    if "tests.qt_helpers" in sys.modules:  # answers a test prepared for boxes that never came: not for the next
        sys.modules["tests.qt_helpers"].forget_pending_answers()
    if "gui.threads" not in sys.modules:  # a Qt-free test: nothing to check
        return
    from gui.threads import running_threads, stop_all_threads

    leaked = running_threads()
    if leaked:
        stop_all_threads()
        pytest.fail(f"{request.node.name} left {len(leaked)} thread(s) running: {leaked}")


@pytest.fixture
def main_window_factory(qtbot):
    """Make MainWindows that are closed without the unsaved-changes question at the end of the test.

    pytest-qt's own widget clean-up runs before fixture teardown and would block on that modal question,
    so these windows are closed here instead, even when the test failed half-way through an edit.
    """
    from gui.main_window import MainWindow

    windows = []

    def make(**kwargs) -> MainWindow:
        kwargs.setdefault("load_runtime", False)
        kwargs.setdefault("offer_recovery", False)
        window = MainWindow(**kwargs)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.editor.document.undo_stack.setClean()  # no question; the history stays, as at a real quit
        window.close()
        window.deleteLater()
