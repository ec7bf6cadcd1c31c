"""Closing is safe at every moment: while a large model is built, while data loads, while a worker cannot
stop in time (it is left to finish alone, never destroyed running), and the process then exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from gui.model_tasks import ModelTask
from gui.threads import abandoned_threads, running_threads
from models.graph.project import Project
from models.graph.spec import LayerNode, ModelSpec
from tests.qt_helpers import answer_message_boxes

ROOT = Path(__file__).resolve().parents[2]


def deep_project(layers: int) -> Project:
    spec = ModelSpec(name="deep")
    spec.nodes["inp"] = LayerNode("inp", "Input", {"shape": [2]}, [])
    previous = "inp"
    for index in range(layers):
        spec.nodes[f"d{index}"] = LayerNode(f"d{index}", "Dense", {"units": 8, "activation": "relu"}, [previous])
        previous = f"d{index}"
    spec.nodes["out"] = LayerNode("out", "Dense", {"units": 2, "activation": "softmax"}, [previous])
    project = Project(spec=spec, name="deep")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.training = {"epochs": 1, "batch_size": 16}
    return project


def window_with(main_window_factory, tmp_path, project: Project):
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.editor.document.replace(project, None)
    window.editor.document.undo_stack.setClean()
    window.show()
    return window


def test_closing_while_a_400_layer_model_is_built_stops_the_build_promptly(qtbot, tmp_path, main_window_factory):
    window = window_with(main_window_factory, tmp_path, deep_project(400))
    training = window.editor.training
    window.actions_by_key["train.start"].trigger()
    worker = training.worker
    qtbot.wait(300)
    started = time.monotonic()
    answer_message_boxes([QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Discard], [])
    assert window.close()
    assert time.monotonic() - started < 8  # was ~40 s of a frozen window, then SIGABRT
    assert not shiboken6.isValid(worker) or worker.isFinished()
    assert not abandoned_threads()


def test_a_worker_that_cannot_stop_in_time_is_left_to_finish_alone(qtbot, tmp_path, main_window_factory):
    window = window_with(main_window_factory, tmp_path, deep_project(1))
    window.close_timeout_ms = 200
    slow = ModelTask(lambda: time.sleep(2), "Writing a large export", window)  # cannot be interrupted
    slow.start()
    started = time.monotonic()
    assert window.close()
    assert time.monotonic() - started < 2
    assert slow in abandoned_threads() and slow.parent() is None  # deleting the window cannot destroy it
    qtbot.waitUntil(lambda: not shiboken6.isValid(slow), timeout=10_000)  # deleted once it finished
    assert not abandoned_threads() and not running_threads()


def test_the_process_exits_cleanly_with_an_abandoned_worker(tmp_path):
    """The real ending: the event loop ends with a worker still running; no 'QThread: Destroyed while thread is
    still running' abort, exit status 0, at once."""
    script = tmp_path / "close.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from PySide6.QtCore import QSettings, QTimer
        from gui.app import create_application
        from gui.main_window import MainWindow
        from gui.model_tasks import ModelTask
        from gui.threads import exit_if_abandoned
        app = create_application([])
        window = MainWindow(settings=QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat),
                            load_runtime=False, offer_recovery=False)
        window.close_timeout_ms = 200
        task = ModelTask(lambda: time.sleep(60), "a long export", window)
        task.start()
        window.show()
        QTimer.singleShot(200, window.close)
        code = app.exec()
        exit_if_abandoned(code)
        print("not reached: the worker is still running")
    """))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Destroyed while thread" not in done.stderr and "not reached" not in done.stdout
    assert time.monotonic() - started < 30


def window_loading_data(main_window_factory, tmp_path):
    """A window whose Data panel is loading a slow (20,000 per class) dataset; returns it and the loader."""
    project = deep_project(1)
    project.dataset = {"source": "shapes", "options": {"count_per_class": 20_000}}
    window = window_with(main_window_factory, tmp_path, project)
    window.editor.data_panel.load()
    return window, window.editor.data_panel.loader


def test_closing_while_data_loads_cancels_the_load(qtbot, tmp_path, main_window_factory):
    window, loader = window_loading_data(main_window_factory, tmp_path)
    assert loader is not None and loader.isRunning()
    assert window.close()
    assert not shiboken6.isValid(loader) or loader.isFinished()
    assert not running_threads()


def test_closing_while_the_models_are_being_saved_waits_for_the_save(qtbot, tmp_path, main_window_factory):
    """The save's progress dialog runs an event loop: a close arriving then is refused until the save is done."""
    window = window_with(main_window_factory, tmp_path, deep_project(1))
    files = window.editor.files
    seen = []
    window.statusBar().messageChanged.connect(seen.append)
    files._saving = True  # as during FileActions._write_run_models
    try:
        assert not window.close() and window.isVisible()
    finally:
        files._saving = False
    assert any("once the project is saved" in text for text in seen)
    assert window.close()


def test_a_new_project_stops_the_old_projects_data_load(qtbot, tmp_path, main_window_factory):
    window, loader = window_loading_data(main_window_factory, tmp_path)
    other = deep_project(1)
    other.dataset = {"source": "npz", "options": {}}  # a source that loads nothing by itself
    window.editor.document.replace(other, None)
    assert not shiboken6.isValid(loader) or loader.isFinished()
