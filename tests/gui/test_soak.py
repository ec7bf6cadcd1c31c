"""A soak of the real window: train, stop, File > New, twenty times. Every finished worker thread is deleted
(none pile up under the panels), nothing is left running. bench/soak.py reports the memory per cycle."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QSettings, QThread

from gui.threads import running_threads
from models.templates import load_template

CYCLES = 20


def small_project():
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 400}}
    project.training = {"epochs": 100, "batch_size": 16}
    return project


def run_cycle(qtbot, window) -> None:
    """New project, wait for its data, train until a few steps are done, stop, wait for the end."""
    editor = window.editor
    editor.document.undo_stack.setClean()
    editor.document.replace(small_project(), None)
    qtbot.waitUntil(lambda: editor.data_panel.dataset is not None and not editor.data_panel.is_loading(),
                    timeout=60_000)
    training = editor.training
    training.start()
    qtbot.waitUntil(lambda: training.worker is not None and training.worker.progress.step >= 3, timeout=60_000)
    with qtbot.waitSignal(training.finished, timeout=60_000):
        training.stop()
    qtbot.wait(20)  # the finished threads' deleteLater


def live_threads(window) -> list[QThread]:
    return [t for t in window.findChildren(QThread) if shiboken6.isValid(t)]


def test_train_stop_new_twenty_times_leaves_no_threads_behind(qtbot, tmp_path, main_window_factory):
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    run_cycle(qtbot, window)
    baseline = len(live_threads(window))  # long-lived ones only (the Inspection worker)
    for _ in range(CYCLES - 1):
        run_cycle(qtbot, window)
    qtbot.waitUntil(lambda: len(live_threads(window)) == baseline, timeout=10_000)
    assert len(window.editor.document.project.runs) == 1  # each New starts a fresh project
    assert running_threads() == [t for t in running_threads() if t in live_threads(window)]  # no stray workers
    assert baseline <= 2
