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
