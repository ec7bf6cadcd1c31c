"""Workspaces: Build, Data, Train and Inspect arrange the one window for an activity, from a bar or Ctrl+1..4,
sized to the screen, remembered per workspace, and Train comes up when a run starts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from gui.main_window import MainWindow
from models.templates import load_template


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "strata.ini"), QSettings.Format.IniFormat)


def shown_window(qtbot, settings, size=(1280, 800)) -> MainWindow:
    window = MainWindow(settings=settings, load_runtime=False, offer_recovery=False)
    # closed without the unsaved-changes question even when a test fails half-way (it would wait forever)
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document.undo_stack.setClean())
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.windowHandle().requestActivate()  # shortcuts go to the active window
    qtbot.waitUntil(window.isActiveWindow)
    return window


def visible_front(window, name) -> bool:
    dock = window.docks[name]
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_each_workspace_gives_its_panel_the_room(qtbot, settings, size):
    window = shown_window(qtbot, settings, size)
    for key, name in (("train", "training"), ("inspect", "inspection")):
        window.workspaces.actions[key].trigger()
        qtbot.waitUntil(lambda name=name: visible_front(window, name)
                        and window.docks[name].height() >= 0.5 * window.height())
    window.workspaces.actions["data"].trigger()
    qtbot.waitUntil(lambda: visible_front(window, "data") and window.docks["data"].width() >= 0.3 * window.width())
    window.workspaces.actions["build"].trigger()
    canvas = window.editor.canvas
    qtbot.waitUntil(lambda: visible_front(window, "summary") and canvas.height() >= 0.5 * window.height()
                    and canvas.width() >= 0.45 * window.width())
    window.editor.document.undo_stack.setClean()
    window.close()


def press(window, key) -> None:
    """Ctrl+key with the keyboard focus on the canvas, as after a click on it."""
    window.editor.canvas.setFocus()
    QTest.keyClick(window.editor.canvas, key, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_numbers_switch_and_each_workspace_keeps_its_own_arrangement(qtbot, settings):
    window = shown_window(qtbot, settings)
    press(window, Qt.Key.Key_3)
    assert window.workspaces.current == "train" and window.workspaces.actions["train"].isChecked()
    window.resizeDocks([window.docks["training"]], [300], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: abs(window.docks["training"].height() - 300) < 30)
    press(window, Qt.Key.Key_1)
    assert window.workspaces.current == "build"
    press(window, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: abs(window.docks["training"].height() - 300) < 30)  # as the user left it
    window.editor.document.undo_stack.setClean()
    window.close()
    again = shown_window(qtbot, settings)  # and after a restart
    assert again.workspaces.current == "train" and again.workspaces.actions["train"].isChecked()
    again.editor.document.undo_stack.setClean()
    again.close()


def window_with_a_quick_run(qtbot, settings) -> MainWindow:
    """A shown window with the MLP on 200 toy points: one epoch of four steps."""
    window = shown_window(qtbot, settings)
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"samples": 200}}
    project.training = {"epochs": 1, "batch_size": 50}
    window.editor.document.replace(project, None)
    return window


def test_starting_a_run_shows_the_curves_unless_turned_off(qtbot, settings):
    window = window_with_a_quick_run(qtbot, settings)
    training = window.editor.training
    with qtbot.waitSignal(training.finished, timeout=120_000):
        training.start()
    assert window.workspaces.current == "train"
    window.workspaces.actions["build"].trigger()
    window.workspaces.follow_training.setChecked(False)
    with qtbot.waitSignal(training.finished, timeout=120_000):
        training.start()
    assert window.workspaces.current == "build"
    window.editor.document.undo_stack.setClean()
    window.close()


def test_a_run_started_in_inspect_keeps_the_live_maps_in_front(qtbot, settings):
    window = window_with_a_quick_run(qtbot, settings)
    window.workspaces.actions["inspect"].trigger()
    qtbot.waitUntil(lambda: visible_front(window, "inspection"))
    training = window.editor.training
    with qtbot.waitSignal(training.finished, timeout=120_000):
        window.editor.actions["train.start"].trigger()  # F5, as the user starts it
    assert window.workspaces.current == "inspect" and visible_front(window, "inspection")
    assert not visible_front(window, "training")
    window.editor.document.undo_stack.setClean()
    window.close()


def test_the_first_window_fits_the_screen_and_uses_a_large_one(monkeypatch):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication

    from gui import main_window

    assert main_window.first_window_size() == (1280, 820)  # offscreen: no real screen to fit

    class Screen:
        def __init__(self, width, height):
            self.room = QRect(0, 0, width, height)

        def availableGeometry(self):  # noqa: N802 (Qt's name)
            return self.room

    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    for (width, height), expected in (((1280, 800), (1280, 760)), ((1920, 1080), (1632, 918)),
                                      ((3840, 2160), (3264, 1836))):
        monkeypatch.setattr(QGuiApplication, "primaryScreen", staticmethod(lambda w=width, h=height: Screen(w, h)))
        assert main_window.first_window_size() == expected


def test_no_tab_bar_is_left_over_the_panels_after_switching(qtbot, settings):
    """restoreState leaves the previous arrangement's tab bars shown where they were (an "Inspector | Data" bar was
    drawn over the Inspection maps); only the bars below their docks stay."""
    from PySide6.QtWidgets import QTabBar

    window = shown_window(qtbot, settings, (1360, 860))
    window.workspaces.apply_default()  # View ▸ Reset Layout
    window.editor.document.replace(load_template("resnet"), None)
    window.docks["summary"].raise_()
    qtbot.wait(20)
    for key in ("inspect", "train", "build", "inspect", "data", "inspect"):
        window.workspaces.actions[key].trigger()
        qtbot.wait(20)
    docks = [dock.geometry() for dock in window.docks.values() if dock.isVisible()]
    shown = [bar for bar in window.findChildren(QTabBar) if bar.parent() is window and bar.isVisible()]
    assert shown
    for bar in shown:
        place = bar.geometry()
        assert any(abs(dock.bottom() + 1 - place.top()) <= 2 and abs(dock.left() - place.left()) <= 2
                   for dock in docks), [bar.tabText(i) for i in range(bar.count())]
    window.editor.document.undo_stack.setClean()
    window.close()
