"""What every Inspection tab shares: the base class (draw only when visible, say why a view does not
apply) and small control helpers."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from gui.widgets.colors import muted_style
from models.formatting import dims_text
from models.inspection.snapshot import ViewData

log = logging.getLogger(__name__)


def message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(muted_style("padding: 12px;"))
    return label


def combo_items(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Refill a combo only when its items changed, keeping the current choice (no flicker, no signal storm)."""
    current = combo.currentData()
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == items:
        return
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def control_row(*items: str | QWidget) -> QHBoxLayout:
    """A row of labelled controls, left-aligned: strings become labels, widgets are added as they are."""
    row = QHBoxLayout()
    for item in items:
        row.addWidget(QLabel(item) if isinstance(item, str) else item)
    row.addStretch(1)
    return row


def shape_text(values: np.ndarray) -> str:
    return dims_text(values.shape)


class InspectionTab(QWidget):
    """Base: a stack of [content, message]; `show_data` draws or explains."""

    view_key = ""  # the key of `unavailable_views` this tab depends on, if any

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ViewData()
        self.stack = QStackedWidget()
        self.message = message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.content = QWidget()
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack)

    def show_data(self, data: ViewData) -> None:
        self.data = data
        reason = data.unavailable.get(self.view_key) if self.view_key else None
        if data.input is None and not data.outputs:
            self.explain("Load an image (File ▸ Open Image, drop one here, paste, or pick a sample) to see what "
                         "every layer makes of it.")
        elif reason:
            self.explain(reason)
        else:
            self.stack.setCurrentWidget(self.content)
            self._draw_safely()

    def _draw_safely(self) -> None:
        """Draw, or say what went wrong: a view must never raise into Qt's event loop."""
        try:
            self.draw()
        except Exception as error:
            log.exception("drawing %s failed", type(self).__name__)
            self.explain(f"This view cannot be drawn for this model: {error}")

    def explain(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def draw(self) -> None:
        raise NotImplementedError

    def export_widget(self) -> QWidget:
        return self.stack.currentWidget()

    def export_arrays(self) -> dict[str, np.ndarray]:
        return {}
