"""What a loaded dataset looks like: a grid of samples with their labels, and the class counts as bars.

Images are drawn as thumbnails; 2-D points as a scatter plot coloured by class; anything else (token
sequences, table rows) as short text rows.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.widgets.colors import SERIES
from gui.widgets.images import to_qimage

PALETTE = SERIES  # one colour per class, as in the Inspection views
THUMB = 56


def class_name(names: list[str], label) -> str:
    """A class index's name; regression targets (one value or several) as short numbers."""
    if not names:
        values = np.ravel(label)
        return " ".join(f"{float(v):.3g}" for v in values[:3]) + (" …" if values.size > 3 else "")
    if np.ndim(label) > 0 and np.sum(label) != 1:  # multi-hot: every label the sample has
        on = [names[i] if i < len(names) else str(i) for i in np.flatnonzero(np.ravel(label))]
        return "+".join(on) or "(none)"
    index = int(label) if np.ndim(label) == 0 else int(np.argmax(label))
    return names[index] if 0 <= index < len(names) else str(index)


class SampleGrid(QWidget):
    """Up to 16 samples; `show_samples(x, y, class_names)` replaces them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setSpacing(4)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.cells: list[QLabel] = []
        self.kind = "none"

    def clear(self) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.cells = []

    def show_samples(self, x: np.ndarray, y: np.ndarray, class_names: list[str]) -> None:
        self.clear()
        if x.ndim == 4 or (x.ndim == 3 and x.shape[-1] > 4):
            self.kind = "images"
            for index, (sample, label) in enumerate(zip(x, y, strict=False)):
                self._add_cell(index, self._thumbnail(sample), class_name(class_names, label))
        elif x.ndim == 2 and x.shape[1] == 2:
            self.kind = "points"
            plot = ScatterPreview(x, y)
            self.grid.addWidget(plot, 0, 0)
            self.cells.append(plot)
        else:
            self.kind = "rows"
            for index, (sample, label) in enumerate(zip(x[:8], y[:8], strict=False)):
                flat = np.ravel(sample)
                values = " ".join(f"{v:g}" for v in flat[:24]) + (" …" if flat.size > 24 else "")
                name = class_name(class_names, label)
                label_widget = QLabel(f"<tt>{values}</tt> → <b>{name}</b>")
                label_widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(label_widget, index, 0)
                self.cells.append(label_widget)

    def _thumbnail(self, sample: np.ndarray) -> QPixmap:
        pixmap = QPixmap.fromImage(to_qimage(sample))
        return pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.FastTransformation)

    def _add_cell(self, index: int, pixmap: QPixmap, caption: str) -> None:
        cell = QWidget()
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        image = QLabel()
        image.setPixmap(pixmap)
        image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = text.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        text.setFont(font)
        text.setMaximumWidth(THUMB + 10)
        layout.addWidget(image)
        layout.addWidget(text)
        self.grid.addWidget(cell, index // 4, index % 4)
        self.cells.append(cell)


class ScatterPreview(QWidget):
    """2-D points coloured by class, painted directly (hundreds of points, no plotting library needed)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        low, high = self.x.min(axis=0), self.x.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        painter.setPen(Qt.PenStyle.NoPen)
        for (px, py), label in zip(self.x, self.y, strict=False):
            painter.setBrush(QColor(PALETTE[int(label) % len(PALETTE)]))
            point = QPointF(rect.left() + (px - low[0]) / span[0] * rect.width(),
                            rect.bottom() - (py - low[1]) / span[1] * rect.height())
            painter.drawEllipse(point, 2.5, 2.5)
        painter.end()


class ClassCountChart(QWidget):
    """Horizontal bars: how many training samples each class has (imbalance shows at a glance)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.counts: list[int] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_counts(self, names: list[str], counts: list[int]) -> None:
        self.names, self.counts = list(names)[:20], list(counts)[:20]
        self.setFixedHeight(max(0, len(self.counts) * 18 + 4))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(240, len(self.counts) * 18 + 4)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        if not self.counts:
            return
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        label_width = min(120, max(metrics.horizontalAdvance(n) for n in self.names) + 8)
        number_width = metrics.horizontalAdvance(f"{max(self.counts):,}") + 8
        bar_room = max(10, self.width() - label_width - number_width)
        top = max(self.counts) or 1
        text = self.palette().text().color()
        for row, (name, count) in enumerate(zip(self.names, self.counts, strict=False)):
            y = 2 + row * 18
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_width - 6, 16), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, metrics.elidedText(name, Qt.TextElideMode.ElideRight,
                                                                                 label_width - 6))
            width = bar_room * count / top
            painter.fillRect(QRectF(label_width, y + 2, width, 12), QColor(PALETTE[row % len(PALETTE)]))
            painter.drawText(QRectF(label_width + width + 4, y, number_width, 16), Qt.AlignmentFlag.AlignVCenter,
                             f"{count:,}")
        painter.end()
