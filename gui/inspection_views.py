"""Drawing widgets of the Inspection panel: pure views that take numpy arrays computed elsewhere and draw them.

Nothing here imports TensorFlow or Keras: `models.inspection` computes activations, filters, attention and
Grad-CAM maps; these views only colour and lay them out, so they stay fast (composing and drawing 64 feature
maps of 56x56 takes a few milliseconds, see `bench_grid_draw`) and can be tested without a model.

Maps are drawn with nearest-neighbour scaling (one activation = one crisp square); photos with smooth
scaling. Mouse handlers never let an exception reach Qt's event loop (`_guarded`): a bad array logs a
traceback instead of aborting the application.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.data_preview import PALETTE

log = logging.getLogger(__name__)

# Names offered in the colormap chooser; "diverging" is a blue-white-red map (cool-warm) for signed values.
COLORMAPS: list[str] = ["viridis", "inferno", "magma", "plasma", "cividis", "gray", "diverging"]
_ALIASES = {"diverging": "CET-D1", "coolwarm": "CET-D1", "grey": "gray"}
GAP_RGB = (128, 128, 128)  # between tiles: neutral, so no colormap's end reads as a value
SMALL_TILE = 24  # tiles smaller than this are repeated up before composing, so a 1-pixel gap stays thin
PHOTO_SIDE = 96  # images at least this big are photos (smooth scaling); smaller ones stay crisp pixels


def _guarded(handler: Callable) -> Callable:
    """Log instead of raising: an exception escaping a Qt event handler or slot would abort the app."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception:  # noqa: BLE001 (the event loop must survive any bad data)
            log.exception("inspection view: %s failed", handler.__qualname__)
            return None

    return wrapper


def _format_value(value: float) -> str:
    return f"{float(value):.4g}"


# ----- colours ------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _cached_lut(name: str) -> np.ndarray:
    if name == "gray":
        ramp = np.arange(256, dtype=np.uint8)
        lut = np.stack([ramp, ramp, ramp], axis=1)
    else:
        lut = pg.colormap.get(_ALIASES.get(name, name)).getLookupTable(nPts=256, alpha=False)
        lut = np.ascontiguousarray(lut[:, :3], dtype=np.uint8)
    lut.setflags(write=False)  # shared by every caller through the cache
    return lut


def colormap_lut(name: str) -> np.ndarray:
    """(256, 3) uint8 colours for a colormap name; an unknown name falls back to viridis (never raises)."""
    key = _ALIASES.get(name, name)
    try:
        return _cached_lut(key)
    except Exception:  # noqa: BLE001 (pyqtgraph raises several types for a missing map)
        log.warning("unknown colormap %r, using viridis", name)
        return _cached_lut("viridis")


def _colormap(name: str) -> pg.ColorMap:
    return pg.ColorMap(np.linspace(0.0, 1.0, 256), colormap_lut(name))


def colorize(values01: np.ndarray, lut: np.ndarray | str | None = None) -> np.ndarray:
    """Values in 0..1 (any shape) as uint8 RGB (shape + (3,)) through a LUT; NaN draws as the lowest colour."""
    table = colormap_lut(lut) if isinstance(lut, str) else (colormap_lut("gray") if lut is None else lut)
    values = np.nan_to_num(np.asarray(values01, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    index = (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.intp)
    return np.take(np.asarray(table, dtype=np.uint8), index, axis=0)


def normalize(values: np.ndarray, axis_per_channel: bool, channel_axis: int = -1) -> np.ndarray:
    """float32 in 0..1: each channel over its own min..max (`axis_per_channel`) or one min..max for all.

    The channel axis is the last one, as in an (H, W, C) activation. A constant channel becomes 0 and NaN or
    inf values become 0; the min..max is taken over finite values only, so one NaN does not flatten the rest.
    """
    array = np.asarray(values, dtype=np.float32)
    if array.size == 0:
        return array.copy()
    finite = np.isfinite(array)
    axes = tuple(a for a in range(array.ndim) if a != channel_axis % array.ndim) if (
        axis_per_channel and array.ndim > 1) else None
    low = np.min(np.where(finite, array, np.inf), axis=axes, keepdims=True).astype(np.float64)
    high = np.max(np.where(finite, array, -np.inf), axis=axes, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        span = high - low
        usable = np.isfinite(span) & (span > 0)
        scale = np.divide(1.0, span, out=np.zeros_like(span), where=usable).astype(np.float32)
        offset = np.where(usable, low, 0.0).astype(np.float32)
        result = (array - offset) * scale
    result[~finite] = 0.0
    return np.clip(result, 0.0, 1.0, out=result)


def resize_bilinear(values: np.ndarray, height: int, width: int) -> np.ndarray:
    """A 2-D map resampled to (height, width) with bilinear interpolation (pixel centres aligned)."""
    source = np.nan_to_num(np.asarray(values, dtype=np.float32))
    rows, cols = source.shape

    def weights(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = np.clip((np.arange(size_out, dtype=np.float32) + 0.5) * size_in / size_out - 0.5, 0, size_in - 1)
        first = np.floor(position).astype(np.intp)
        return first, np.minimum(first + 1, size_in - 1), (position - first)[:, None]

    y0, y1, wy = weights(rows, height)
    x0, x1, wx = weights(cols, width)
    top = source[y0] * (1 - wy) + source[y1] * wy  # (height, cols)
    return top[:, x0] * (1 - wx.T) + top[:, x1] * wx.T


# ----- grids --------------------------------------------------------------------------------------------------
def grid_columns(count: int, columns: int | None = None) -> int:
    """The number of columns: as asked (at least 1), else near-square (ceil of the square root)."""
    if columns:
        return max(1, int(columns))
    return max(1, math.ceil(math.sqrt(max(count, 1))))


def compose_grid(maps: np.ndarray, columns: int | None = None, gap: int = 1, lut=None) -> np.ndarray:
    """One RGB uint8 image of a (N, H, W) stack in 0..1 (coloured by `lut`) or a (N, H, W, 3) RGB stack in 0..1.

    Tiles run left to right, top to bottom; gaps and unused cells are `GAP_RGB`. The layout is made by
    reshaping, not by copying tile after tile: 64 maps of 56x56 compose in about a millisecond.
    """
    stack = np.asarray(maps)
    count = stack.shape[0] if stack.ndim >= 3 else 0
    if count == 0:
        return np.zeros((0, 0, 3), np.uint8)
    if stack.ndim == 3:
        rgb = colorize(stack, lut if lut is not None else "gray")
    elif stack.ndim == 4 and stack.shape[-1] == 3:
        rgb = stack if stack.dtype == np.uint8 else colorize_rgb(stack)
    else:
        raise ValueError(f"compose_grid takes (N, H, W) or (N, H, W, 3) tiles, not {stack.shape}")
    columns = grid_columns(count, columns)
    rows = math.ceil(count / columns)
    height, width = rgb.shape[1:3]
    gap = max(0, int(gap))
    cells = np.empty((rows * columns, height + gap, width + gap, 3), np.uint8)
    cells[:] = GAP_RGB
    cells[:count, :height, :width] = rgb
    image = cells.reshape(rows, columns, height + gap, width + gap, 3).transpose(0, 2, 1, 3, 4)
    image = image.reshape(rows * (height + gap), columns * (width + gap), 3)
    return np.ascontiguousarray(image[:rows * (height + gap) - gap, :columns * (width + gap) - gap])


def colorize_rgb(values01: np.ndarray) -> np.ndarray:
    """RGB floats in 0..1 as uint8 (NaN black)."""
    values = np.nan_to_num(np.asarray(values01, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def grid_cell_at(x: float, y: float, shape: Sequence[int], columns: int, gap: int) -> int | None:
    """The tile index under pixel (x, y) of `compose_grid(maps)` with maps of `shape` (N, H, W[, 3]).

    None in a gap, outside the image or in an unused cell after the last tile.
    """
    count, height, width = int(shape[0]), int(shape[1]), int(shape[2])
    if count <= 0 or x < 0 or y < 0:
        return None
    column, inside_x = divmod(int(x), width + gap)
    row, inside_y = divmod(int(y), height + gap)
    if column >= columns or inside_x >= width or inside_y >= height:
        return None
    index = row * columns + column
    return index if index < count else None


def to_qimage(rgb: np.ndarray) -> QImage:
    """A uint8 (H, W, 3), (H, W, 4) or (H, W) array (floats: 0..1) as a QImage that owns a copy of the pixels."""
    array = np.asarray(rgb)
    if array.dtype != np.uint8:
        array = colorize_rgb(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    array = np.ascontiguousarray(array)
    if array.size == 0:
        return QImage()
    height, width = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, width, height, width, QImage.Format.Format_Grayscale8)
    elif array.shape[-1] == 4:
        image = QImage(array.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
    else:
        image = QImage(array.data, width, height, width * 3, QImage.Format.Format_RGB888)
    return image.copy()  # the QImage above only borrows `array`'s buffer, which Python may free


def save_png(widget: QWidget, path: str | Path) -> bool:
    """What `widget` shows, as a PNG file; True when written."""
    return widget.grab().save(str(path), "PNG")


class ExportMixin:
    """`export_png(path)` for every view (what is on screen, at the widget's size)."""

    def export_png(self, path: str | Path) -> bool:
        return save_png(self, path)  # type: ignore[arg-type]


# ----- image widgets painted directly -------------------------------------------------------------------------
class _FittedImage(ExportMixin, QWidget):
    """A QImage scaled to fit the widget, aspect kept, centred; the scaled pixmap is cached per size."""

    MARGIN = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._smooth = False
        self._scaled: tuple[QSize, QPixmap] | None = None
        self.setMinimumSize(80, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def current_image(self) -> QImage:
        """The image at its own resolution (before scaling to the widget)."""
        return self._image

    def _show_image(self, image: QImage, smooth: bool) -> None:
        self._image, self._smooth, self._scaled = image, smooth, None
        self.update()

    def image_rect(self) -> QRect:
        """Where the image is drawn in widget coordinates (empty when there is none)."""
        if self._image.isNull():
            return QRect()
        room_w, room_h = self.width() - 2 * self.MARGIN, self.height() - 2 * self.MARGIN
        if room_w <= 0 or room_h <= 0:
            return QRect()
        scale = min(room_w / self._image.width(), room_h / self._image.height())
        width = max(1, round(self._image.width() * scale))
        height = max(1, round(self._image.height() * scale))
        return QRect((self.width() - width) // 2, (self.height() - height) // 2, width, height)

    def _image_point(self, position: QPointF) -> QPointF | None:
        """A widget position in image pixel coordinates (floats), None outside the image."""
        rect = self.image_rect()
        if rect.isEmpty():
            return None
        x = (position.x() - rect.x()) * self._image.width() / rect.width()
        y = (position.y() - rect.y()) * self._image.height() / rect.height()
        if not (0 <= x < self._image.width() and 0 <= y < self._image.height()):
            return None
        return QPointF(x, y)

    def _image_to_widget(self, rect: QRectF) -> QRectF:
        target = self.image_rect()
        sx, sy = target.width() / self._image.width(), target.height() / self._image.height()
        return QRectF(target.x() + rect.x() * sx, target.y() + rect.y() * sy, rect.width() * sx, rect.height() * sy)

    def _pixmap(self, size: QSize) -> QPixmap:
        """The image scaled to `size` (logical pixels) at the screen's resolution, made once per size."""
        ratio = self.devicePixelRatioF()
        device = QSize(max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio)))
        if self._scaled is None or self._scaled[0] != device:
            mode = (Qt.TransformationMode.SmoothTransformation if self._smooth
                    else Qt.TransformationMode.FastTransformation)
            pixmap = QPixmap.fromImage(self._image.scaled(device, Qt.AspectRatioMode.IgnoreAspectRatio, mode))
            pixmap.setDevicePixelRatio(ratio)  # sharp on high-DPI screens, not scaled twice
            self._scaled = (device, pixmap)
        return self._scaled[1]

    @_guarded
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        rect = self.image_rect()
        if rect.isEmpty():
            return
        painter = QPainter(self)
        painter.drawPixmap(rect.topLeft(), self._pixmap(rect.size()))
        self._paint_over(painter, rect)
        painter.end()

    def _paint_over(self, painter: QPainter, rect: QRect) -> None:
        """Subclasses draw highlights, captions or markers here."""


class TileGrid(_FittedImage):
    """Many 2-D maps (channels, filters) as one grid; a click on a tile emits its index.

    `set_tiles` composes the grid once; a repaint only draws a pixmap cached for the current size.
    """

    tile_clicked = Signal(int)
    tile_hovered = Signal(int)  # -1 when the pointer leaves the tiles

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shape: tuple[int, int, int] = (0, 0, 0)  # (count, tile height, tile width) in composed pixels
        self._columns = 1
        self._gap = 1
        self._titles: list[str] = []
        self._hovered = -1
        self.selected: int | None = None
        self.captions_visible = False
        self.setMouseTracking(True)

    def set_tiles(self, tiles01: np.ndarray | None, lut_name: str = "viridis", titles: list[str] | None = None,
                  columns: int | None = None, gap: int = 1) -> None:
        """(N, H, W) maps in 0..1 coloured by `lut_name`, or (N, H, W, 3) RGB in 0..1; None or N = 0 clears."""
        stack = None if tiles01 is None else np.asarray(tiles01)
        if stack is not None and stack.ndim == 4 and stack.shape[-1] == 1:
            stack = stack[..., 0]
        if stack is None or stack.ndim < 3 or stack.shape[0] == 0 or stack.shape[1] == 0 or stack.shape[2] == 0:
            self._shape, self._titles, self.selected, self._hovered = (0, 0, 0), [], None, -1
            self._show_image(QImage(), smooth=False)
            return
        repeat = max(1, SMALL_TILE // max(stack.shape[1], stack.shape[2]))
        if repeat > 1:  # a 3x3 filter becomes 24x24 crisp pixels, so a 1-pixel gap is not a third of a tile
            stack = np.repeat(np.repeat(stack, repeat, axis=1), repeat, axis=2)
        self._columns = grid_columns(stack.shape[0], columns)
        self._gap = max(0, int(gap))
        self._shape = (stack.shape[0], stack.shape[1], stack.shape[2])
        self._titles = list(titles or [])
        if self.selected is not None and self.selected >= stack.shape[0]:
            self.selected = None
        composed = compose_grid(stack, self._columns, self._gap, colormap_lut(lut_name))
        self._show_image(to_qimage(composed), smooth=False)

    def tile_count(self) -> int:
        return self._shape[0]

    def set_selected(self, index: int | None) -> None:
        """Outline one tile (the one shown in detail elsewhere); None for none."""
        self.selected = index if index is not None and 0 <= index < self.tile_count() else None
        self.update()

    def set_captions_visible(self, visible: bool) -> None:
        self.captions_visible = visible
        self.update()

    def tile_rect(self, index: int) -> QRect:
        """Where tile `index` is drawn, in widget coordinates (empty for no such tile)."""
        if not 0 <= index < self.tile_count() or self.image_rect().isEmpty():
            return QRect()
        _count, height, width = self._shape
        row, column = divmod(index, self._columns)
        cell = QRectF(column * (width + self._gap), row * (height + self._gap), width, height)
        return self._image_to_widget(cell).toAlignedRect()

    def tile_at(self, position: QPointF) -> int | None:
        """The tile under a widget position, None between tiles or outside."""
        point = self._image_point(position)
        if point is None:
            return None
        return grid_cell_at(point.x(), point.y(), self._shape, self._columns, self._gap)

    @_guarded
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.tile_at(event.position())
        if index is not None:
            self.set_selected(index)
            self.tile_clicked.emit(index)

    @_guarded
    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        index = self.tile_at(event.position())
        self._set_hovered(-1 if index is None else index)

    @_guarded
    def leaveEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        self._set_hovered(-1)

    def _set_hovered(self, index: int) -> None:
        if index == self._hovered:
            return
        self._hovered = index
        title = self._titles[index] if 0 <= index < len(self._titles) else ""
        self.setToolTip(title or (f"#{index}" if index >= 0 else ""))
        self.tile_hovered.emit(index)

    def _paint_over(self, painter: QPainter, rect: QRect) -> None:
        count, height, width = self._shape
        if count % self._columns:  # unused cells of the last row: background, not a grey block
            row, column = divmod(count, self._columns)
            start = column * (width + self._gap) - self._gap
            unused = QRectF(start, row * (height + self._gap), self._image.width() - start, height)
            painter.fillRect(self._image_to_widget(unused), self.palette().window())
        if self.captions_visible and self._titles:
            self._paint_captions(painter)
        if self.selected is not None:
            outline = self.tile_rect(self.selected).adjusted(-1, -1, 0, 0)
            painter.setPen(QPen(QColor("#ffffff"), 3))
            painter.drawRect(outline)
            painter.setPen(QPen(QColor("#1e88e5"), 1))
            painter.drawRect(outline)

    def _paint_captions(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        line = metrics.height()
        for index, title in enumerate(self._titles[:self.tile_count()]):
            tile = self.tile_rect(index)
            if tile.height() < 2 * line or tile.width() < 24:
                return  # too small to label: tooltips name the tiles instead
            band = QRect(tile.left(), tile.bottom() - line + 1, tile.width(), line)
            painter.fillRect(band, QColor(0, 0, 0, 150))
            painter.setPen(QColor("#ffffff"))
            text = metrics.elidedText(title, Qt.TextElideMode.ElideRight, band.width() - 4)
            painter.drawText(band.adjusted(2, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, text)


def _as_rgb01(image: np.ndarray) -> np.ndarray:
    """An image as float32 RGB (H, W, 3) in 0..1: uint8, 0..1 floats, 0..255 floats, or other ranges rescaled."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"an image is (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), not {np.shape(image)}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    values = np.nan_to_num(array.astype(np.float32))
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and high <= 1.0:
        return values
    if low >= 0.0 and high <= 255.0:
        return values / 255.0  # Keras image pipelines yield 0-255 floats
    return normalize(values, axis_per_channel=False)


class OverlayImage(_FittedImage):
    """An input image with an optional heat map (Grad-CAM, saliency, attention) blended on top.

    A click emits `clicked(x, y)` in relative image coordinates 0..1 (to choose a patch); `set_marker`
    outlines a chosen patch. Photos are scaled smoothly, tiny images (MNIST, CIFAR) as crisp pixels.
    """

    clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base: np.ndarray | None = None  # float32 RGB 0..1
        self._heat: np.ndarray | None = None
        self._lut_name = "inferno"
        self._opacity = 0.5
        self.marker: QRectF | None = None

    def set_image(self, image: np.ndarray | None) -> None:
        self._base = None if image is None or np.size(image) == 0 else _as_rgb01(image)
        self._refresh()

    def set_overlay(self, heat01: np.ndarray | None, lut_name: str = "inferno", opacity: float = 0.5) -> None:
        """A 2-D map in 0..1 of any size (upscaled bilinearly to the image), or None to show the image alone."""
        heat = None if heat01 is None else np.asarray(heat01, dtype=np.float32)
        if heat is not None and heat.ndim == 3 and heat.shape[-1] == 1:
            heat = heat[..., 0]
        self._heat = heat if heat is not None and heat.ndim == 2 and heat.size else None
        self._lut_name, self._opacity = lut_name, float(np.clip(opacity, 0.0, 1.0))
        self._refresh()

    def set_marker(self, rect01: QRectF | tuple[float, float, float, float] | None) -> None:
        """Outline (x, y, width, height) in relative image coordinates; None removes it."""
        self.marker = None if rect01 is None else QRectF(rect01) if isinstance(rect01, QRectF) else QRectF(*rect01)
        self.update()

    def blended(self) -> np.ndarray | None:
        """The image as drawn (uint8 RGB), overlay included."""
        if self._base is None:
            return None
        if self._heat is None or self._opacity == 0:
            return colorize_rgb(self._base)
        height, width = self._base.shape[:2]
        heat = self._heat if self._heat.shape == (height, width) else resize_bilinear(self._heat, height, width)
        colours = colorize(heat, self._lut_name).astype(np.float32) / 255.0
        return colorize_rgb(self._base * (1.0 - self._opacity) + colours * self._opacity)

    def _refresh(self) -> None:
        pixels = self.blended()
        if pixels is None:
            self._show_image(QImage(), smooth=False)
            return
        self._show_image(to_qimage(pixels), smooth=min(pixels.shape[:2]) >= PHOTO_SIDE)

    @_guarded
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._image_point(event.position())
        if point is not None:
            self.clicked.emit(point.x() / self._image.width(), point.y() / self._image.height())

    def _paint_over(self, painter: QPainter, rect: QRect) -> None:
        if self.marker is None:
            return
        box = QRectF(rect.x() + self.marker.x() * rect.width(), rect.y() + self.marker.y() * rect.height(),
                     self.marker.width() * rect.width(), self.marker.height() * rect.height())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 180), 4))
        painter.drawRect(box)
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.drawRect(box)


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
        self.colorbar: pg.ColorBarItem | None = None
        if colorbar:
            self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), width=12, interactive=False, colorMapMenu=False)
            self.graphics.addItem(self.colorbar, row=0, col=1)
        self.readout = QLabel(" ")
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
        return False  # pyqtgraph still gets every event (pan, zoom)

    @_guarded
    def _pointer_event(self, watched: QObject, event: QEvent) -> None:
        if watched is not self.graphics.viewport():
            return
        text = ""
        position = (self.graphics.mapToScene(event.position().toPoint())
                    if event.type() == QEvent.Type.MouseMove else None)
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
        self.colorbar.setColorMap(_colormap(lut_name))
        self.colorbar.setLevels((low, high if high > low else low + 1.0))


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
        self.plot.setTitle(title or None)
        self.readout.setText(" ")
        if matrix is None or matrix.ndim != 2 or matrix.size == 0:
            self.values = None
            self.image_item.clear()
            return False
        self.values = matrix.astype(np.float32, copy=False)
        scaled, used = _levels_01(self.values, levels)
        self.image_item.setImage(colorize(scaled, lut_name), autoLevels=False)
        self._set_colorbar(used, lut_name)
        rows, cols = matrix.shape
        self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
        return True

    def _cell(self, x: float, y: float) -> tuple[int, int] | None:
        if self.values is None:
            return None
        row, col = math.floor(y), math.floor(x)
        if 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]:
            return row, col
        return None


class ChannelDetail(_MatrixView):
    """One feature map enlarged, with a colour bar of its raw range; hovering reads out the raw value."""

    def __init__(self, parent: QWidget | None = None, colorbar: bool = True) -> None:
        super().__init__(parent, colorbar=colorbar)
        self.plot.setAspectLocked(True)

    def set_map(self, values2d: np.ndarray | None, lut_name: str = "viridis", title: str = "") -> None:
        self._show_matrix(values2d, lut_name, title)

    def _readout_at(self, x: float, y: float) -> str:
        cell = self._cell(x, y)
        if cell is None:
            return ""
        row, col = cell
        return f"x {col}, y {row}: {_format_value(self.values[row, col])}"


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
        # A square-ish matrix (attention) keeps square cells; a long one (tokens x 512 features) fills the view.
        self.plot.setAspectLocked(shown and 1 / 3 <= rows / cols <= 3)

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
        return f"{row_text}, {col_text}: {_format_value(self.values[row, col])}"


class BarStrip(_PlotView):
    """A vector (a Dense layer's output) as bars over the unit index; positive and negative in two colours."""

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
        self.plot.setTitle(title or None)
        self.readout.setText(" ")
        if vector is None or vector.size == 0:
            self.values, self.labels = None, []
            self.bars.setOpts(x=np.zeros(0), height=np.zeros(0), brushes=[])
            self._update_ticks()
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

    @_guarded
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

    def _readout_at(self, x: float, y: float) -> str:
        if self.values is None:
            return ""
        index = round(x)
        if not 0 <= index < self.values.size or abs(x - index) > 0.5:
            return ""
        name = f" ({self.labels[index]})" if self.labels else ""
        return f"unit {index}{name}: {_format_value(self.values[index])}"


def class_colors(count: int) -> np.ndarray:
    """(count, 3) float RGB 0..255 per class, the same palette as the dataset preview."""
    colours = [QColor(PALETTE[index % len(PALETTE)]) for index in range(count)]
    return np.array([[c.red(), c.green(), c.blue()] for c in colours], dtype=np.float32)


def class_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """(..., classes) probabilities; one column (a sigmoid's p) becomes two classes (1 - p, p)."""
    values = np.nan_to_num(np.asarray(probabilities, dtype=np.float32))
    if values.shape[-1] == 1:
        values = np.concatenate([1.0 - values, values], axis=-1)
    return np.clip(values, 0.0, 1.0)


def boundary_rgb(probabilities: np.ndarray) -> np.ndarray:
    """Class colours mixed by probability and faded to white where the model is unsure: uint8 (rows, cols, 3)."""
    values = class_probabilities(probabilities)
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
        self.image_item = pg.ImageItem(axisOrder="row-major")  # row 0 = the lowest y, as models.inspection lays out
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
        self.probabilities = class_probabilities(values)
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

    @_guarded
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


# ----- benchmark ------------------------------------------------------------------------------------------------
_bench_app: QApplication | None = None


def bench_grid_draw(repeats: int = 21, channels: int = 64, side: int = 56) -> float:
    """Median milliseconds to normalise, compose, convert and paint a grid of `channels` maps of side x side.

    Each repeat is a fresh `set_tiles` (new data) followed by a full paint of a 640x640 TileGrid (`grab`).
    """
    global _bench_app
    if QApplication.instance() is None:
        _bench_app = QApplication([])
    maps = np.random.default_rng(0).standard_normal((side, side, channels)).astype(np.float32)
    widget = TileGrid()
    widget.resize(640, 640)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        widget.set_tiles(np.moveaxis(normalize(maps, axis_per_channel=True), -1, 0), "viridis")
        widget.grab()
        times.append((time.perf_counter() - start) * 1000.0)
        maps[0, 0, 0] += 1.0  # new data each time, as a live view gets
    widget.deleteLater()
    return float(np.median(times))
