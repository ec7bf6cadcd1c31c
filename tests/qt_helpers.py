"""Helpers shared by the GUI tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def answer_next_message_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click `button` on the next modal message box, as a person would."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(10, click)

    QTimer.singleShot(0, click)


def answer_message_boxes(buttons: list[QMessageBox.StandardButton], seen: list[str]) -> None:
    """Click `buttons[0]` on the next modal message box, then `buttons[1]` on the one after it, and so on."""
    remaining = list(buttons)
    answered: list[QMessageBox] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and (not answered or box is not answered[-1]) and box.isVisible():
            seen.append(box.text())
            answered.append(box)
            box.button(remaining.pop(0)).click()
        if remaining:
            QTimer.singleShot(10, click)

    QTimer.singleShot(0, click)
