"""Inspection views drawn with pyqtgraph: an enlarged feature map, heatmaps (sequences, attention), bars
(Dense outputs), decision boundaries, and the top-k predictions; each reads out the value under the mouse.

Colours, grids and the directly painted image views live in `gui/inspection/views.py`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.inspection.views import ExportMixin, format_value, logged_handler
from gui.widgets.colors import SERIES as PALETTE
from gui.widgets.images import colorize, pg_colormap
from gui.widgets.plot_items import cache_axis, cache_static_parts

log = logging.getLogger(__name__)

# ----- pyqtgraph views ------------------------------------------------------------------------------------------
class _PlotView(ExportMixin, QWidget):
    """One pyqtgraph plot and a readout line under it that follows the mouse."""

    def __init__(self, parent: QWidget | None = None, colorbar: bool = False) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(self.palette().base().color())
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(2)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        cache_static_parts(self.plot)
        self.colorbar: pg.ColorBarItem | None = None
        self._colorbar_lut = ""
        self._title = ""
        if colorbar:
            self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), width=12, interactive=False, colorMapMenu=False)
            cache_axis(self.colorbar.axis)
            self.graphics.addItem(self.colorbar, row=0, col=1)
        self.readout = QLabel(" ")
        self._pointer_scene: QPointF | None = None  # where the pointer rests over the plot, for refreshes
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setContentsMargins(4, 0, 4, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        # An event filter, not the scene's sigMouseMoved: that one drops moves closer than 10 ms apart, so the
        # readout could stay on a value the pointer has already left.
        self.graphics.viewport().installEventFilter(self)
        self.setMinimumSize(120, 100)

    def readout_text(self) -> str:
        return self.readout.text().strip()

    def view_point(self, x: float, y: float) -> QPoint:
        """Data coordinates (x, y) as a position in `self.graphics.viewport()` (for tests and tooltips)."""
        scene = self.plot.vb.mapViewToScene(QPointF(x, y))
        return self.graphics.mapFromScene(scene)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.MouseMove, QEvent.Type.Leave):
            self._pointer_event(watched, event)
        elif event.type() == QEvent.Type.MouseButtonDblClick:
            self._double_clicked(watched, event)
        return False  # pyqtgraph still gets every event (pan, zoom)

    @logged_handler
    def _double_clicked(self, watched: QObject, event: QEvent) -> None:
        if watched is not self.graphics.viewport() or event.button() != Qt.MouseButton.LeftButton:
            return
        scene = self.graphics.mapToScene(event.position().toPoint())
        if self.plot.vb.sceneBoundingRect().contains(scene):
            point = self.plot.vb.mapSceneToView(scene)
            self._activated_at(point.x(), point.y())

    def _activated_at(self, x: float, y: float) -> None:
        """A double-click at data coordinates (x, y): subclasses say which value it chose."""

    @logged_handler
    def _pointer_event(self, watched: QObject, event: QEvent) -> None:
        if watched is not self.graphics.viewport():
            return
        self._pointer_scene = (self.graphics.mapToScene(event.position().toPoint())
                               if event.type() == QEvent.Type.MouseMove else None)
        self._refresh_readout()

    def _refresh_readout(self) -> None:
        """The readout under the resting pointer, for the data shown now (a live refresh keeps it, updated)."""
        text = ""
        position = self._pointer_scene
        if position is not None and self.plot.vb.sceneBoundingRect().contains(position):
            point = self.plot.vb.mapSceneToView(position)
            text = self._readout_at(point.x(), point.y())
        self.readout.setText(text or " ")

    def _readout_at(self, x: float, y: float) -> str:
        """The readout for data coordinates (x, y); empty where there is nothing to read."""
        return ""

    def _set_colorbar(self, levels: tuple[float, float], lut_name: str) -> None:
        if self.colorbar is None:
            return
        low, high = levels
        if lut_name != self._colorbar_lut:  # a live refresh keeps the colormap: only the levels move
            self.colorbar.setColorMap(pg_colormap(lut_name))
            self._colorbar_lut = lut_name
        self.colorbar.setLevels((low, high if high > low else low + 1.0))

    def _set_title(self, title: str) -> None:
        if title != self._title:  # setting the same title again still re-lays out the plot
            self.plot.setTitle(title or None)
            self._title = title


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def _levels_01(values: np.ndarray, levels: tuple[float, float] | None) -> tuple[np.ndarray, tuple[float, float]]:
    """Values mapped to 0..1 by `levels` (or their own finite min..max), and the levels used."""
    low, high = levels if levels is not None else _finite_range(values)
    if high <= low:
        return np.zeros(values.shape, np.float32), (low, high)
    with np.errstate(invalid="ignore"):
        scaled = (values.astype(np.float32) - low) / (high - low)
    return np.nan_to_num(np.clip(scaled, 0.0, 1.0), nan=0.0), (low, high)


class _MatrixView(_PlotView):
    """A 2-D array drawn as coloured pixels, row 0 at the top (as an image or a matrix reads)."""

    def __init__(self, parent: QWidget | None = None, colorbar: bool = True) -> None:
        super().__init__(parent, colorbar=colorbar)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.plot.invertY(True)
        self.values: np.ndarray | None = None

    def _show_matrix(self, values: np.ndarray | None, lut_name: str, title: str,
                     levels: tuple[float, float] | None = None) -> bool:
        matrix = None if values is None else np.asarray(values)
        if matrix is not None and matrix.ndim == 3 and matrix.shape[-1] == 1:
            matrix = matrix[..., 0]
        self._set_title(title)
        if matrix is None or matrix.ndim != 2 or matrix.size == 0:
            self.values = None
            self.image_item.clear()
            self._refresh_readout()
            return False
        self.values = matrix.astype(np.float32, copy=False)
        scaled, used = _levels_01(self.values, levels)
        self.image_item.setImage(colorize(scaled, lut_name), autoLevels=False)
        self._set_colorbar(used, lut_name)
        rows, cols = matrix.shape
        self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
        self._refresh_readout()
        return True

    def _cell(self, x: float, y: float) -> tuple[int, int] | None:
        if self.values is None:
            return None
        row, col = math.floor(y), math.floor(x)
        if 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]:
            return row, col
        return None


class ChannelDetail(_MatrixView):
    """One feature map enlarged, with a colour bar of its raw range; hovering reads out the raw value; a
    double-click on a value emits `cell_activated(row, column)` (explain that unit)."""

    cell_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, colorbar: bool = True) -> None:
        super().__init__(parent, colorbar=colorbar)
        self.plot.setAspectLocked(True)

    def _activated_at(self, x: float, y: float) -> None:
        cell = self._cell(x, y)
        if cell is not None:
            self.cell_activated.emit(*cell)

    def set_map(self, values2d: np.ndarray | None, lut_name: str = "viridis", title: str = "") -> None:
        self._show_matrix(values2d, lut_name, title)

    def _readout_at(self, x: float, y: float) -> str:
        cell = self._cell(x, y)
        if cell is None:
            return ""
        row, col = cell
        return f"x {col}, y {row}: {format_value(self.values[row, col])}"


def _short(label: str, limit: int = 10) -> str:
    text = str(label)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class Heatmap(_MatrixView):
    """A matrix (tokens x features, attention query x key) with optional row and column labels."""

    MAX_LABELS = 40

    def __init__(self, parent: QWidget | None = None, colorbar: bool = True) -> None:
        super().__init__(parent, colorbar=colorbar)
        self.row_labels: list[str] = []
        self.col_labels: list[str] = []

    def set_matrix(self, values: np.ndarray | None, lut_name: str = "viridis", title: str = "",
                   row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
                   row_title: str = "", col_title: str = "", levels: tuple[float, float] | None = None) -> None:
        """`levels` fixes the colour range (attention: (0, 1)); by default the matrix's own min..max."""
        shown = self._show_matrix(values, lut_name, title, levels)
        rows, cols = self.values.shape if shown else (0, 0)
        self.row_labels = [str(v) for v in row_labels] if row_labels is not None and len(row_labels) == rows else []
        self.col_labels = [str(v) for v in col_labels] if col_labels is not None and len(col_labels) == cols else []
        self._set_ticks("left", self.row_labels)
        self._set_ticks("bottom", self.col_labels)
        self.plot.setLabel("left", row_title or None)
        self.plot.setLabel("bottom", col_title or None)
        # The view is the matrix and nothing beside it (square cells in a wide view showed -50..110 for 24 tokens):
        # cells stretch to the plot's shape instead, and panning or zooming out stops at the matrix's edges.
        self.plot.setAspectLocked(False)
        if shown:
            self.plot.setLimits(xMin=0, xMax=cols, yMin=0, yMax=rows)
            self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)

    def _set_ticks(self, side: str, labels: list[str]) -> None:
        axis = self.plot.getAxis(side)
        if labels and len(labels) <= self.MAX_LABELS:
            axis.setTicks([[(index + 0.5, _short(label)) for index, label in enumerate(labels)]])
        else:
            axis.setTicks(None)  # numbers chosen by pyqtgraph

    def _readout_at(self, x: float, y: float) -> str:
        cell = self._cell(x, y)
        if cell is None:
            return ""
        row, col = cell
        row_text = f"row {row}" + (f" ({self.row_labels[row]})" if self.row_labels else "")
        col_text = f"col {col}" + (f" ({self.col_labels[col]})" if self.col_labels else "")
        return f"{row_text}, {col_text}: {format_value(self.values[row, col])}"


class BarStrip(_PlotView):
    """A vector (a Dense layer's output) as bars over the unit index; positive and negative in two colours. A
    double-click on a bar emits `unit_activated(index)` (explain that unit)."""

    unit_activated = Signal(int)

    MAX_LABELS = 30
    POSITIVE, NEGATIVE, TOP = "#64b5f6", "#ef9a9a", "#1e88e5"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.8, pen=pg.mkPen(None))
        self.plot.addItem(self.bars)
        self.plot.setMouseEnabled(y=False)
        self.plot.vb.sigResized.connect(self._update_ticks)  # fewer labels fit in a narrower plot
        self.values: np.ndarray | None = None
        self.labels: list[str] = []
        self._brushes = {name: pg.mkBrush(name) for name in (self.POSITIVE, self.NEGATIVE, self.TOP)}

    def set_values(self, values: np.ndarray | None, title: str = "", labels: Sequence[str] | None = None) -> None:
        vector = None if values is None else np.ravel(np.asarray(values, dtype=np.float32))
        self._set_title(title)
        if vector is None or vector.size == 0:
            self.values, self.labels = None, []
            self.bars.setOpts(x=np.zeros(0), height=np.zeros(0), brushes=[])
            self._update_ticks()
            self._refresh_readout()
            return
        self.values = vector
        self.labels = [str(v) for v in labels] if labels is not None and len(labels) == vector.size else []
        heights = np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)
        colours = np.where(heights >= 0, self.POSITIVE, self.NEGATIVE).astype(object)
        colours[int(np.argmax(heights))] = self.TOP  # the largest unit (the predicted class of a softmax)
        self.bars.setOpts(x=np.arange(vector.size), height=heights, brushes=[self._brushes[c] for c in colours])
        self._update_ticks()
        low, high = min(0.0, float(heights.min())), max(0.0, float(heights.max()))
        pad = (high - low) * 0.05 or 1.0
        self.plot.setRange(xRange=(-0.6, vector.size - 0.4), yRange=(low - (pad if low < 0 else 0), high + pad),
                           padding=0)
        self._refresh_readout()

    @logged_handler
    def _update_ticks(self, *_args) -> None:
        """Class names under the bars when there are few; every n-th one when they would overlap."""
        axis = self.plot.getAxis("bottom")
        if not self.labels or len(self.labels) > self.MAX_LABELS:
            axis.setTicks(None)
            return
        texts = [_short(label) for label in self.labels]
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        widest = max(metrics.horizontalAdvance(text) for text in texts) + 8
        room = max(1.0, self.plot.vb.width() / len(texts))
        step = max(1, math.ceil(widest / room))
        axis.setTicks([[(index, text) for index, text in enumerate(texts) if index % step == 0]])

    def _activated_at(self, x: float, y: float) -> None:
        index = round(x)
        if self.values is not None and 0 <= index < self.values.size and abs(x - index) <= 0.5:
            self.unit_activated.emit(index)

    def _readout_at(self, x: float, y: float) -> str:
        if self.values is None:
            return ""
        index = round(x)
        if not 0 <= index < self.values.size or abs(x - index) > 0.5:
            return ""
        name = f" ({self.labels[index]})" if self.labels else ""
        return f"unit {index}{name}: {format_value(self.values[index])}"


def class_colors(count: int) -> np.ndarray:
    """(count, 3) float RGB 0..255 per class, the same palette as the dataset preview."""
    colours = [QColor(PALETTE[index % len(PALETTE)]) for index in range(count)]
    return np.array([[c.red(), c.green(), c.blue()] for c in colours], dtype=np.float32)


def class_columns(probabilities: np.ndarray) -> np.ndarray:
    """(..., classes) probabilities for colouring; one column (a sigmoid's p) becomes two classes (1 - p, p).
    Unlike `models.inspection.class_probabilities` it never applies a softmax: its input is probabilities."""
    values = np.nan_to_num(np.asarray(probabilities, dtype=np.float32))
    if values.shape[-1] == 1:
        values = np.concatenate([1.0 - values, values], axis=-1)
    return np.clip(values, 0.0, 1.0)


def boundary_rgb(probabilities: np.ndarray) -> np.ndarray:
    """Class colours mixed by probability and faded to white where the model is unsure: uint8 (rows, cols, 3)."""
    values = class_columns(probabilities)
    classes = values.shape[-1]
    total = values.sum(axis=-1, keepdims=True)
    weights = np.divide(values, total, out=np.full_like(values, 1.0 / classes), where=total > 0)
    mixed = weights @ class_colors(classes)
    certainty = (weights.max(axis=-1, keepdims=True) - 1.0 / classes) / (1.0 - 1.0 / classes)
    alpha = 0.15 + 0.5 * np.clip(certainty, 0.0, 1.0)
    return (255.0 * (1.0 - alpha) + mixed * alpha + 0.5).astype(np.uint8)


def class_labels(labels: np.ndarray, count: int) -> np.ndarray:
    """Integer classes from indices, 0/1 floats or one-hot rows."""
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] > 1 and array.shape[0] == count:
        return np.argmax(array, axis=1).astype(np.intp)
    if array.size != count:
        log.warning("%d labels for %d points: drawing them all as class 0", array.size, count)
        return np.zeros(count, np.intp)
    return np.rint(np.nan_to_num(array.reshape(count).astype(np.float64))).astype(np.intp)


class BoundaryPlot(_PlotView):
    """A 2-D classifier's decision regions (class colours by confidence) under its data points."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_item = pg.ImageItem(axisOrder="row-major")  # row 0: the lowest y (models.inspection.boundary)
        self.plot.addItem(self.image_item)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#ffffff", width=0.8))
        self.plot.addItem(self.scatter)
        self.plot.setAspectLocked(True)
        self.probabilities: np.ndarray | None = None
        self.rect: QRectF | None = None
        self.class_names: list[str] = []

    def set_class_names(self, names: Sequence[str]) -> None:
        self.class_names = [str(n) for n in names]

    def set_boundary(self, probabilities: np.ndarray | None, x_range: tuple[float, float] = (0.0, 1.0),
                     y_range: tuple[float, float] = (0.0, 1.0)) -> None:
        """(res_y, res_x, classes) probabilities over the plane, row 0 at y_range[0]; None clears."""
        values = None if probabilities is None else np.asarray(probabilities)
        if values is not None and values.ndim == 2:
            values = values[..., None]
        if values is None or values.ndim != 3 or values.size == 0:
            self.probabilities, self.rect = None, None
            self.image_item.clear()
            return
        self.probabilities = class_columns(values)
        self.image_item.setImage(boundary_rgb(values), autoLevels=False)
        (x0, x1), (y0, y1) = x_range, y_range
        self.rect = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        self.image_item.setRect(self.rect)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def set_points(self, x: np.ndarray | None, labels: np.ndarray | None) -> None:
        points = None if x is None else np.asarray(x, dtype=np.float32)
        if points is None or points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
            self.scatter.clear()
            return
        count = points.shape[0]
        classes = class_labels(labels, count) if labels is not None else np.zeros(count, np.intp)
        brushes = np.array([pg.mkBrush(colour) for colour in PALETTE], dtype=object)
        self.scatter.setData(x=points[:, 0], y=points[:, 1], brush=list(brushes[classes % len(PALETTE)]))
        if self.rect is None:
            self.plot.autoRange()

    def point_count(self) -> int:
        return len(self.scatter.data)

    def _readout_at(self, x: float, y: float) -> str:
        if self.probabilities is None or self.rect is None or not self.rect.contains(QPointF(x, y)):
            return ""
        rows, cols, _classes = self.probabilities.shape
        col = min(cols - 1, int((x - self.rect.x()) / self.rect.width() * cols))
        row = min(rows - 1, int((y - self.rect.y()) / self.rect.height() * rows))
        probabilities = self.probabilities[row, col]
        best = int(np.argmax(probabilities))
        name = self.class_names[best] if best < len(self.class_names) else f"class {best}"
        return f"x {x:.3g}, y {y:.3g}: {name} ({probabilities[best]:.0%})"


class TopKBars(ExportMixin, QWidget):
    """The top predictions as rows: class name, a probability bar, the percentage."""

    ROW = 22
    ACCENT, OTHER = "#1e88e5", "#90caf9"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.ROW)

    def set_predictions(self, predictions: Sequence[tuple[str, float]] | None) -> None:
        self._rows = [(str(name), float(np.clip(np.nan_to_num(p), 0.0, 1.0))) for name, p in predictions or []]
        self.setFixedHeight(max(1, len(self._rows)) * self.ROW)
        self.updateGeometry()
        self.update()

    def rows(self) -> list[tuple[str, float]]:
        return list(self._rows)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(260, max(1, len(self._rows)) * self.ROW)

    @logged_handler
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if not self._rows:
            return
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        name_width = min(max(60, self.width() // 3), max(metrics.horizontalAdvance(n) for n, _ in self._rows) + 8)
        number_width = metrics.horizontalAdvance("100.0%") + 8
        bar_room = max(10, self.width() - name_width - number_width)
        text = self.palette().text().color()
        track = self.palette().alternateBase().color()
        for row, (name, probability) in enumerate(self._rows):
            top = row * self.ROW
            painter.setPen(text)
            painter.drawText(QRectF(0, top, name_width - 6, self.ROW),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_width - 6))
            bar = QRectF(name_width, top + 4, bar_room, self.ROW - 8)
            painter.fillRect(bar, track)
            painter.fillRect(QRectF(bar.x(), bar.y(), bar.width() * probability, bar.height()),
                             QColor(self.ACCENT if row == 0 else self.OTHER))
            painter.drawText(QRectF(name_width + bar_room + 6, top, number_width, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter, f"{probability:.1%}")
        painter.end()
