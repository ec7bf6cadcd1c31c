"""One line of text that changes several times a second (training progress), drawn without re-laying out the
window: `QLabel.setText` always asks its parents for a new layout, which in the main window re-laid out every
dock, hidden ones included, at each change: about 25 of the 220 ms of GUI-thread work in a 6-second training
run shown in the main window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class StatusLine(QWidget):
    """Plain text, optionally coloured, elided at the right edge when longer than the width (the full text is
    the tooltip). Its size hint never depends on the text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self._color: QColor | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str, color: str | None = None) -> None:  # noqa: N802 (QLabel's name, for callers)
        new_color = QColor(color) if color else None
        if text == self._text and new_color == self._color:
            return
        self._text, self._color = text, new_color
        self.setToolTip(text)
        self.update()  # a repaint of this line only

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(240, self.fontMetrics().height() + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(60, self.fontMetrics().height() + 4)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(self._color or self.palette().windowText().color())
        rect = self.contentsRect().adjusted(2, 0, -2, 0)
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()
