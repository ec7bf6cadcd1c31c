"""The overview in the canvas's corner: the whole graph in miniature with the part on screen framed; a click or
a drag there moves the canvas. It shows only while the model does not fit in the view.

The miniature is drawn once per layout into a pixmap (771 cards are 771 small rectangles); scrolling repaints
only the frame over it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from gui.editor.canvas_items import ACCENT

MAX_WIDTH, MAX_HEIGHT = 180, 240
MARGIN = 6


class Minimap(QWidget):
    """Signal: `moved_to(scene point)` when the person clicks or drags in it."""

    moved_to = Signal(QPointF)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("canvas.overview")
        self.setToolTip("Overview of the whole model: click or drag to move there")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.enabled_by_user = True
        self.model_rect = QRectF()
        self.visible_rect = QRectF()
        self.cards: list[tuple[QRectF, QColor]] = []
        self._picture: QPixmap | None = None
        self.hide()

    # ----- what it shows ------------------------------------------------------------------------------
    def set_cards(self, model_rect: QRectF, cards: list[tuple[QRectF, QColor]]) -> None:
        """The graph after a layout: its bounds and each card shown (scene rectangle, colour)."""
        self.model_rect = QRectF(model_rect)
        self.cards = cards
        self._picture = None
        self._fit_size()
        self.update()

    def set_visible_rect(self, rect: QRectF) -> None:
        """The part of the scene on screen; the overview shows only while that is not all of the model."""
        self.visible_rect = QRectF(rect)
        self.place()  # the viewport may have been resized since
        wanted = self.enabled_by_user and bool(self.cards) and not rect.contains(self.model_rect)
        if wanted != self.isVisible():
            self.setVisible(wanted)
        if wanted:
            self.update()

    def _fit_size(self) -> None:
        if self.model_rect.isEmpty():
            return
        ratio = self.model_rect.width() / self.model_rect.height()
        width = min(MAX_WIDTH, max(60, MAX_HEIGHT * ratio))
        height = min(MAX_HEIGHT, max(60, width / ratio))
        self.resize(int(width) + 2 * MARGIN, int(height) + 2 * MARGIN)
        self.place()

    def place(self) -> None:
        """Bottom-right corner of the canvas's viewport."""
        parent = self.parentWidget()
        if parent is not None:
            self.move(max(0, parent.width() - self.width() - 10), max(0, parent.height() - self.height() - 10))

    # ----- scene <-> overview ------------------------------------------------------------------------------
    def _scale(self) -> float:
        inner = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        if self.model_rect.isEmpty():
            return 1.0
        return min(inner.width() / self.model_rect.width(), inner.height() / self.model_rect.height())

    def to_overview(self, scene_rect: QRectF) -> QRectF:
        scale = self._scale()
        top_left = (scene_rect.topLeft() - self.model_rect.topLeft()) * scale + QPointF(MARGIN, MARGIN)
        return QRectF(top_left.x(), top_left.y(), scene_rect.width() * scale, scene_rect.height() * scale)

    def to_scene(self, point: QPointF) -> QPointF:
        return (point - QPointF(MARGIN, MARGIN)) / self._scale() + self.model_rect.topLeft()

    # ----- painting and the pointer ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        if self._picture is None or self._picture.size() != self.size():
            self._picture = self._draw_cards()
        painter.drawPixmap(0, 0, self._picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = self.to_overview(self.visible_rect).intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        fill = QColor(ACCENT)
        fill.setAlpha(40)
        painter.setPen(QPen(ACCENT, 1.5))
        painter.setBrush(fill)
        painter.drawRect(frame)
        painter.end()

    def _draw_cards(self) -> QPixmap:
        picture = QPixmap(self.size())
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        background = self.palette().base().color()
        background.setAlpha(235)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.setPen(Qt.PenStyle.NoPen)
        for rect, color in self.cards:
            painter.setBrush(color)
            box = self.to_overview(rect)
            painter.drawRect(QRectF(box.x(), box.y(), max(box.width(), 2.0), max(box.height(), 1.5)))
        painter.end()
        return picture

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.moved_to.emit(self.to_scene(event.position()))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.moved_to.emit(self.to_scene(event.position()))
        event.accept()
