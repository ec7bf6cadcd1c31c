"""Rough edges a new user hit in the first ten minutes, each through the real window."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def wheel(widget, notches: int = 1) -> None:
    """A real wheel event over the middle of `widget` (delivered as Qt does: to it, then up its parents)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_pause_and_stop_wait_for_a_run(qtbot, main_window_factory):
    actions = main_window_factory().actions_by_key
    assert actions["train.start"].isEnabled()
    assert not actions["train.pause"].isEnabled() and not actions["train.stop"].isEnabled()


def test_the_wheel_changes_a_field_only_once_it_has_focus(qtbot, main_window_factory):
    window = main_window_factory()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.docks["data"].raise_()
    spin = window.editor.data_panel.editors["noise"].spin
    qtbot.waitUntil(spin.isVisible)
    stack = window.editor.document.undo_stack
    before, edits = spin.value(), stack.count()
    wheel(spin.lineEdit())
    wheel(spin)
    assert spin.value() == before and stack.count() == edits and not spin.hasFocus()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin)
    assert spin.value() != before  # a field the user clicked or tabbed into still takes the wheel


def test_one_batch_size_and_one_learning_rate_everywhere(qtbot, main_window_factory):
    editor = main_window_factory().editor
    summary, training, document = editor.summary, editor.training, editor.document
    assert summary.batch_size == training.config().batch_size == training.editors["batch_size"].value()
    document.set_training({"batch_size": 64})
    assert summary.batch_size == 64 == training.editors["batch_size"].value()
    summary.batch_spin.setValue(16)  # the Summary's memory estimate and the training setting are one number
    assert document.project.training["batch_size"] == 16 == training.editors["batch_size"].value()
    document.undo_stack.undo()  # (consecutive setting changes are one undo step)
    assert summary.batch_size == training.config().batch_size == training.editors["batch_size"].value() != 16
    rate = training.rate_spin
    assert rate.value() == training.config().learning_rate and not rate.isEnabled()  # changeable only in a pause
    document.set_training({"batch_size": 64, "learning_rate": 0.01})
    assert rate.value() == 0.01 == training.editors["learning_rate"].value()


def test_secondary_text_keeps_wcag_aa_contrast(qtbot, main_window_factory):
    """Hints, notes and captions are muted, but never below 4.5:1 (Qt's palette(mid) grey read 2.5:1)."""
    import re

    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QLabel

    from gui.widgets.colors import contrast_ratio, muted_text

    dark = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.Base, "#2b2b2b"),
                        (QPalette.ColorRole.Text, "#e8eaed")):
        dark.setColor(role, QColor(color))
    for palette in (QApplication.palette(), dark):
        muted = muted_text(palette)
        assert contrast_ratio(muted, palette.window().color()) >= 4.5
        assert muted != palette.text().color()  # still visibly secondary
    window = main_window_factory()
    background = window.palette().window().color()
    styled = [(label, re.search(r"color:\s*(#[0-9a-fA-F]{6})", label.styleSheet()))
              for label in window.findChildren(QLabel)]
    colors = [(label, QColor(match.group(1))) for label, match in styled if match]
    assert len(colors) >= 4
    for label, color in colors:
        assert contrast_ratio(color, background) >= 4.5, (label.text(), color.name())


def test_a_batch_size_beyond_any_spin_box_is_shown_as_its_largest(qtbot, main_window_factory, recwarn):
    from models.graph.project import Project
    from models.templates import load_template

    editor = main_window_factory().editor
    project = Project.from_dict({**load_template("mlp").to_dict(), "training": {"batch_size": 10 ** 30}})
    editor.document.replace(project, None)  # a project file asking for it (found by fuzzing project files)
    assert editor.summary.batch_size == editor.summary.batch_spin.maximum()
    assert not [w for w in recwarn if "Overflow" in str(w.message)]


def test_the_status_bar_says_what_to_do_next(qtbot, main_window_factory):
    from models.graph.project import Project
    from models.templates import load_template

    window = main_window_factory()
    document = window.editor.document
    document.replace(Project(), None)
    assert "drag an Input" in window.next_step_label.text()
    project = load_template("mlp")
    document.replace(project, None)
    assert "Start Training (F5)" in window.next_step_label.text()
    document.edit("break it", lambda spec: spec.nodes["dense_1"].params.__setitem__("units", -4))
    assert "click Fix" in window.next_step_label.text() or "marked in red" in window.next_step_label.text()


def test_help_opens_the_user_guide_with_the_first_model_walkthrough(qtbot, main_window_factory):
    window = main_window_factory()
    window.actions_by_key["help.guide"].trigger()
    guide = window.guide
    qtbot.waitUntil(guide.isVisible)
    text = guide.browser.toPlainText()
    assert "Your first model in five steps" in text and "Ctrl+1..4" in text
    assert "#" not in text.splitlines()[0]  # rendered, not shown as Markdown source
    guide.close()
