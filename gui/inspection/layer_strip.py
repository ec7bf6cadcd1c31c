"""The layer strip: every layer of the inspected model in a row, each with a thumbnail of what it makes of the
input (its most active channel, its units, its steps x features), so a layer is picked by looking, not by
reading a list. A click shows that layer's maps; the strip follows the layer chosen anywhere else."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from gui.widgets.images import colorize, normalize, to_qimage
from models.formatting import dims_text
from models.inspection.probe import Activation, channel_order
from models.inspection.snapshot import ViewData

LAYER_ROLE = Qt.ItemDataRole.UserRole
THUMBNAIL = 40  # px: the side of a layer's picture


def layer_picture(activation: Activation) -> np.ndarray | None:
    """What one layer makes of the input, as a small RGB array: an image or volume layer's most active channel,
    a vector's units as a square of cells, a sequence as steps x features; None when there is nothing to draw."""
    kind = activation.kind
    if kind in ("image", "volume"):
        maps = activation.channel_stack()
        if not len(maps):
            return None
        values = maps[channel_order(maps, sort=True)[0]]
    elif kind == "vector":
        units = activation.values.ravel()
        side = max(1, math.ceil(math.sqrt(units.size)))
        values = np.full(side * side, np.nan, dtype=np.float32)
        values[:units.size] = units
        values = values.reshape(side, side)
    elif kind == "sequence":
        values = activation.values
    else:
        return None
    if values.size == 0:
        return None
    return colorize(normalize(values[..., None], False)[..., 0], "viridis")


def thumbnail_icon(picture: np.ndarray | None) -> QIcon:
    """The picture fitted into the thumbnail square with crisp pixels (one activation, one square)."""
    if picture is None:
        return QIcon()
    image = to_qimage(picture).scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.FastTransformation)
    return QIcon(QPixmap.fromImage(image))


class LayerStrip(QListWidget):
    """Signals: `layer_clicked(layer id)`."""

    layer_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layer_strip")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setGridSize(QSize(THUMBNAIL + 64, THUMBNAIL + self.fontMetrics().height() + 10))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(self.gridSize().height() + scroll + 2 * self.frameWidth() + 4)
        self.setToolTip("Click a layer to see its maps")
        self.itemClicked.connect(self._clicked)
        self._layers: list[tuple[str, str]] = []
        self._drawn: ViewData | None = None

    def set_data(self, data: ViewData) -> None:
        """One entry per layer of `data`, with its picture now (items kept when the layers are the same); the same
        data again (a tab switched, the panel resized) draws nothing on the GUI thread."""
        if data is self._drawn:
            return
        self._drawn = data
        layers = [(layer_id, layer_id) for layer_id in data.layer_ids()]
        current = self.current_layer()
        if layers != self._layers:
            self._layers = layers
            self.blockSignals(True)
            self.clear()
            for layer_id, text in layers:
                item = QListWidgetItem(text)
                item.setData(LAYER_ROLE, layer_id)
                item.setToolTip(f"{layer_id} ({data.layer_types.get(layer_id, '')}): output "
                                f"{dims_text(np.shape(data.outputs[layer_id]))}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.addItem(item)
            self.blockSignals(False)
            if current:
                self.set_current(current)
        for row in range(self.count()):
            item = self.item(row)
            picture = layer_picture(data.activation(item.data(LAYER_ROLE)))
            item.setIcon(thumbnail_icon(picture))

    def current_layer(self) -> str | None:
        item = self.currentItem()
        return item.data(LAYER_ROLE) if item is not None else None

    def set_current(self, layer_id: str | None) -> None:
        """Show `layer_id` as the chosen one (no signal: the choice was made elsewhere)."""
        for row in range(self.count()):
            if self.item(row).data(LAYER_ROLE) == layer_id:
                self.blockSignals(True)
                self.setCurrentRow(row)
                self.blockSignals(False)
                self.scrollToItem(self.item(row))
                return

    def _clicked(self, item: QListWidgetItem) -> None:
        self.layer_clicked.emit(item.data(LAYER_ROLE))
