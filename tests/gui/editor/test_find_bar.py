"""Ctrl+F finds a layer by name or type in a big graph: Enter goes to the next match, selected and in view."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.editor.find_bar import matches
from models.templates import load_template


def test_find_goes_through_the_matches_by_name_or_type(qtbot, main_window_factory):
    window = main_window_factory()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.windowHandle().requestActivate()  # typing goes to the active window
    qtbot.waitUntil(window.isActiveWindow)
    editor = window.editor
    editor.document.replace(load_template("resnet"), None)
    spec = editor.document.spec
    convs = matches(spec, "CONV2d")  # by type, case ignored
    assert len(convs) >= 3 and all(spec.nodes[n].type == "Conv2D" for n in convs)
    assert matches(spec, "block2") == [n for n in spec.topological_order() if "block2" in n]  # by name
    editor.actions["edit.find"].trigger()
    bar = editor.find_bar
    assert bar.isVisible() and bar.hasFocus()
    qtbot.keyClicks(bar, "conv2d")
    qtbot.keyClick(bar, Qt.Key.Key_Return)
    assert editor.canvas.selected_ids() == [convs[0]]
    qtbot.keyClick(bar, Qt.Key.Key_Return)
    assert editor.canvas.selected_ids() == [convs[1]]
    assert f"match 2 of {len(convs)}" in window.statusBar().currentMessage()
    item = editor.canvas.nodes[convs[1]]
    view = editor.canvas.mapFromScene(item.sceneBoundingRect()).boundingRect()
    assert editor.canvas.viewport().rect().intersects(view)  # brought into view
    bar.clear()
    qtbot.keyClicks(bar, "nothing like it")
    qtbot.keyClick(bar, Qt.Key.Key_Return)
    assert "No layer's name or type contains" in window.statusBar().currentMessage()
    qtbot.keyClick(bar, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    editor.document.undo_stack.setClean()
