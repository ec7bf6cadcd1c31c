"""The main window shell: menus, docks, status bar, remembered layout, TensorFlow loading off the GUI thread."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget

from gui.dialogs.about import about_text
from gui.main_window import MainWindow
from gui.menus import shortcut_rows
from models.about import library_versions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "strata.ini"), QSettings.Format.IniFormat)


def make_window(qtbot, settings, load_runtime=False) -> MainWindow:
    window = MainWindow(settings=settings, load_runtime=load_runtime)
    qtbot.addWidget(window)
    return window


def test_menus_in_order(qtbot, settings):
    window = make_window(qtbot, settings)
    titles = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert titles == ["File", "Edit", "Model", "Data", "Train", "View", "Lessons", "Help"]


def test_every_panel_is_a_dock_toggled_from_the_view_menu(qtbot, settings):
    window = make_window(qtbot, settings)
    window.show()
    qtbot.waitExposed(window)
    assert set(window.docks) == {"palette", "inspector", "summary", "data", "training", "inspection"}
    view_texts = {a.text() for a in window.menus["View"].actions()}
    for name, dock in window.docks.items():
        assert isinstance(dock, QDockWidget)
        toggle = dock.toggleViewAction()
        assert toggle.text() in view_texts
        assert toggle.isChecked()
        toggle.trigger()
        assert dock.isHidden(), name
    window.reset_layout()
    assert not any(dock.isHidden() for dock in window.docks.values())


def test_status_bar_reports_loading_then_tensorflow_and_device(qtbot, settings):
    import tensorflow as tf

    window = make_window(qtbot, settings, load_runtime=True)
    assert window.runtime_label.text() == "Loading TensorFlow…"
    with qtbot.waitSignals([window.first_painted, window.runtime_ready], order="strict", timeout=60_000):
        window.show()
    assert window.loader is not None
    window.loader.wait(5_000)
    text = window.runtime_label.text()
    assert f"TensorFlow {tf.__version__}" in text
    expected_device = "CPU" if not tf.config.list_physical_devices("GPU") else window.runtime.gpus[0]
    assert text.endswith(expected_device)
    assert window.runtime_progress.isHidden()
    import gc

    qtbot.waitUntil(lambda: gc.get_freeze_count() > 100_000, timeout=10_000)  # TensorFlow's objects left alone


def test_window_geometry_and_dock_state_are_remembered(qtbot, settings):
    first = make_window(qtbot, settings)
    first.show()
    qtbot.waitExposed(first)
    first.resize(720, 540)  # inside the 800x600 offscreen screen
    first.docks["training"].toggleViewAction().trigger()
    first.close()

    second = make_window(qtbot, settings)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (720, 540)
    assert second.docks["training"].isHidden()
    assert not second.docks["palette"].isHidden()


def test_about_names_every_library_version(qtbot, settings):
    text = about_text(None)
    for name, version in library_versions().items():
        assert name in text and version in text
    assert "Qt" in text and "TensorFlow is still loading" in text


def test_keyboard_shortcuts_table_comes_from_the_actions(qtbot, settings):
    window = make_window(qtbot, settings)
    rows = dict(shortcut_rows(window.actions_by_key))
    assert rows["Save"] == "Ctrl+S"
    assert rows["Undo"] == "Ctrl+Z"
    assert rows["Start Training"] == "F5"


def test_closing_during_tensorflow_import_leaves_no_thread(qtbot, settings):
    window = make_window(qtbot, settings, load_runtime=True)
    with qtbot.waitSignal(window.first_painted, timeout=10_000):
        window.show()
    window.close()  # may be mid-import: close must wait for the loader instead of aborting
    assert window.loader is not None and window.loader.isFinished()


def test_window_paints_before_tensorflow_is_imported(tmp_path):
    """In a fresh process, the first paint happens with TensorFlow not yet imported, and it loads after."""
    report = tmp_path / "startup.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    subprocess.run(
        [sys.executable, "main.py", "--startup-report", str(report), "--quit-when-ready"],
        cwd=ROOT, env=env, timeout=120, check=True, capture_output=True,
    )
    times = json.loads(report.read_text())
    assert times["tensorflow_imported_at_first_paint"] is False
    assert times["first_paint"] < times["runtime_ready"]


def test_main_opens_the_project_named_on_the_command_line(tmp_path):
    from models.templates import load_template

    project = tmp_path / "given.strata.json"
    load_template("mlp").save(project)
    report = tmp_path / "startup.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "main.py", str(project), "--startup-report", str(report), "--quit-when-ready"],
                   cwd=ROOT, env=env, timeout=120, check=True, capture_output=True)
    assert json.loads(report.read_text())["window_title"] == "given.strata.json[*] — Strata"


def test_main_with_a_missing_project_says_so(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "main.py", str(tmp_path / "nope.strata.json")], cwd=ROOT, env=env,
                            timeout=60, capture_output=True, text=True)
    assert result.returncode == 2
    assert "there is no file" in result.stderr and "Traceback" not in result.stderr
