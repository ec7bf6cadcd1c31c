"""The start page over an empty canvas: templates with what each teaches, recent projects, the walkthrough, and
the first layer dropped on it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from gui.editor.palette import LAYER_MIME
from models.graph.project import Project
from models.templates import template_names


def empty_window(qtbot, main_window_factory):
    window = main_window_factory()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.editor.document.replace(Project(), None)
    page = window.editor.start_page
    qtbot.waitUntil(page.isVisible)
    return window, page


def test_a_template_from_the_start_page_fills_the_canvas_and_the_page_goes(qtbot, main_window_factory):
    window, page = empty_window(qtbot, main_window_factory)
    assert page.templates.count() == len(template_names())
    assert all(page.templates.item(i).toolTip() for i in range(page.templates.count()))  # what each one teaches
    canvas = window.editor.canvas
    assert canvas.rect().contains(page.geometry())  # canvas left around it to drop on
    item = page.templates.item(1)
    centre = page.templates.visualItemRect(item).center()
    qtbot.mouseClick(page.templates.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert len(window.editor.document.spec) == 0 and "LeCun" in page.description.text()  # a click describes it
    qtbot.mouseDClick(page.templates.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert len(window.editor.document.spec) > 0 and not page.isVisible()  # a double-click opens it
    page.recent.itemActivated.emit(page.recent.item(0))  # "No recent projects yet" opens nothing
    window.editor.document.undo_stack.setClean()


def test_the_first_layer_can_be_dropped_on_the_start_page_and_the_guide_is_a_click_away(qtbot,
                                                                                      main_window_factory):
    window, page = empty_window(qtbot, main_window_factory)
    mime = window.editor.palette.tree.mimeData([window.editor.palette.items["Input"]])
    assert mime.hasFormat(LAYER_MIME)
    centre, action = page.rect().center(), Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(centre, action, mime, buttons, modifiers)
    QApplication.sendEvent(page, enter)  # as a real drag: enter, move, drop
    assert enter.isAccepted()
    QApplication.sendEvent(page, QDragMoveEvent(centre, action, mime, buttons, modifiers))
    QApplication.sendEvent(page, QDropEvent(centre.toPointF(), action, mime, buttons, modifiers))
    assert [node.type for node in window.editor.document.spec.nodes.values()] == ["Input"]
    assert not page.isVisible()
    window.editor.document.replace(Project(), None)
    qtbot.waitUntil(page.isVisible)
    guide = next(button for button in page.findChildren(QPushButton) if "five steps" in button.text())
    qtbot.mouseClick(guide, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "guide", None) is not None and window.guide.isVisible())
    window.guide.close()
