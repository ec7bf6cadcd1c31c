"""Widgets side by side as one widget (for a tab bar's corner, a form's row)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def widget_row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return row
