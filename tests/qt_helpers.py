"""Helpers shared by the GUI tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def answer_next_message_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click `button` on the next modal message box, as a person would (within a minute, then it gives up)."""
    answer_message_boxes([button], seen)


_PENDING: list[list] = []  # the answers still waiting for a box, per call: emptied when the test ends


def forget_pending_answers() -> None:
    """A test has ended: answers it did not use must not click a box of the next test (conftest calls this)."""
    for remaining in _PENDING:
        remaining.clear()
    _PENDING.clear()


def answer_message_boxes(buttons: list[QMessageBox.StandardButton], seen: list[str], within_s: float = 60.0) -> None:
    """Click `buttons[0]` on the next modal message box, then `buttons[1]` on the one after it, and so on; gives up
    after `within_s` seconds or when the test ends, so an answer never used cannot click a box of a later test."""
    import time

    remaining = list(buttons)
    _PENDING.append(remaining)
    answered: list[str] = []
    deadline = time.monotonic() + within_s

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):  # another modal window may be the active one: any box shown
            box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()),
                       None)
        if remaining and isinstance(box, QMessageBox) and box.isVisible() and box.text() not in answered:
            seen.append(box.text())
            answered.append(box.text())
            button = box.button(remaining.pop(0))
            # a box without that button is not the one expected: close it, and let the test's assertions on
            # `seen` say which box it was (an exception here would only be reported after the test)
            (button or box.escapeButton() or box.buttons()[0]).click()
        if remaining and time.monotonic() < deadline:
            QTimer.singleShot(10, click)

    QTimer.singleShot(0, click)


def shown(qtbot, widget, width: int, height: int):
    """`widget` at that size on the (offscreen) screen, closed with the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
