"""Numpy arrays made into what Qt paints: the one conversion to bytes (`to_uint8`, `to_qimage`), and the array side
of the Inspection views (colormaps, normalisation, resizing, tiles composed into one image), kept apart from the
widgets that paint them so it can be tested and timed without a window."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

# Names offered in the colormap chooser; "diverging" is a blue-white-red map (cool-warm) for signed values.
COLORMAPS: list[str] = ["viridis", "inferno", "magma", "plasma", "cividis", "gray", "diverging"]
_ALIASES = {"diverging": "CET-D1", "coolwarm": "CET-D1", "grey": "gray"}
GAP_RGB = (128, 128, 128)  # between tiles: neutral, so no colormap's end reads as a value


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Bytes as they are; other numbers in 0..1 scaled by 255 (a 0..1 image is shown as it is, not stretched),
    any other range stretched from its lowest to its highest finite value. NaN and infinities are black."""
    array = np.asarray(values)
    if array.dtype == np.uint8:
        return array
    array = np.asarray(array, dtype=np.float32)
    finite = np.isfinite(array)
    low = float(array.min(where=finite, initial=np.inf)) if finite.any() else 0.0
    high = float(array.max(where=finite, initial=-np.inf)) if finite.any() else 0.0
    if low < 0.0 or high > 1.0:
        array = (array - low) / (high - low if high > low else 1.0)
    return (np.clip(np.where(finite, array, 0.0), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def to_qimage(values: np.ndarray) -> QImage:
    """An (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array as a QImage that owns a copy of the pixels."""
    array = to_uint8(values)
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


@functools.lru_cache(maxsize=32)
def pg_colormap(name: str) -> pg.ColorMap:
    """Made once per name: building a ColorMap took ~4 ms, once per live refresh of a colour bar."""
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
        rgb = stack if stack.dtype == np.uint8 else clip_to_uint8(stack)
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


def clip_to_uint8(values01: np.ndarray) -> np.ndarray:
    """Values meant to lie in 0..1 (normalised tiles, blends of them) as uint8: clipped, never stretched as
    `to_uint8` would (a blend that rounds to 1.0000001 must not darken the whole image); NaN black."""
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


def png_bytes(image: QImage) -> bytes:
    """A QImage (from the clipboard or a drop) as PNG file bytes, for the readers that take files."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def image_for_view(values: np.ndarray) -> np.ndarray:
    """An input shown as a picture: images as they are, 1-D samples (points, tokens) as a one-row strip."""
    values = np.asarray(values)
    if values.ndim == 3 and values.shape[-1] == 1:
        values = values[..., 0]
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2 and not (values.ndim == 3 and values.shape[-1] == 3):
        return np.zeros((1, 1), np.uint8)
    return to_uint8(values)
