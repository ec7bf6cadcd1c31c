"""Drawing widgets of the Inspection panel: pure views that take numpy arrays computed elsewhere and draw them.

Nothing here imports TensorFlow or Keras: `models.inspection` computes activations, filters, attention and
Grad-CAM maps; `gui.widgets.images` colours them and lays them out as arrays; these widgets paint them. They stay
fast (composing and drawing 64 feature maps of 56x56 takes a few milliseconds, see bench/inspection.py) and
can be tested without a model.

Maps are drawn with nearest-neighbour scaling (one activation = one crisp square); photos with smooth
scaling. Mouse handlers never let an exception reach Qt's event loop (`logged_handler`): a bad array logs a
traceback instead of aborting the application.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets.images import (
    clip_to_uint8,
    colorize,
    colormap_lut,
    compose_grid,
    grid_cell_at,
    grid_columns,
    normalize,
    resize_bilinear,
    to_qimage,
)

log = logging.getLogger(__name__)

SMALL_TILE = 24  # tiles smaller than this are repeated up before composing, so a 1-pixel gap stays thin
PHOTO_SIDE = 96  # images at least this big are photos (smooth scaling); smaller ones stay crisp pixels


def logged_handler(handler: Callable) -> Callable:
    """Log instead of raising: an exception escaping a Qt event handler or slot would abort the app."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception:  # noqa: BLE001 (the event loop must survive any bad data)
            log.exception("inspection view: %s failed", handler.__qualname__)
            return None

    return wrapper


def format_value(value: float) -> str:
    return f"{float(value):.4g}"


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

    @logged_handler
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
        self.keep_tiles_readable = False  # True in a scroll area: the grid's minimum size keeps tiles >= 24 px
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
        if self.keep_tiles_readable:  # never scaled below its composed size: tiles of 24 px or more (scroll instead)
            self.setMinimumSize(composed.shape[1], composed.shape[0])
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

    @logged_handler
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.tile_at(event.position())
        if index is not None:
            self.set_selected(index)
            self.tile_clicked.emit(index)

    @logged_handler
    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        index = self.tile_at(event.position())
        self._set_hovered(-1 if index is None else index)

    @logged_handler
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
            return clip_to_uint8(self._base)
        height, width = self._base.shape[:2]
        heat = self._heat if self._heat.shape == (height, width) else resize_bilinear(self._heat, height, width)
        colours = colorize(heat, self._lut_name).astype(np.float32) / 255.0
        return clip_to_uint8(self._base * (1.0 - self._opacity) + colours * self._opacity)

    def _refresh(self) -> None:
        pixels = self.blended()
        if pixels is None:
            self._show_image(QImage(), smooth=False)
            return
        self._show_image(to_qimage(pixels), smooth=min(pixels.shape[:2]) >= PHOTO_SIDE)

    @logged_handler
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
