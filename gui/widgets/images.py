"""The one conversion from numpy arrays to what Qt paints, with one rule for values that are not bytes."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


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
