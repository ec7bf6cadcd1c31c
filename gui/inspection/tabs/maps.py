"""Feature maps of one layer, and the overview of every layer at once."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.inspection.plots import BarStrip, ChannelDetail, Heatmap
from gui.inspection.tabs.base import InspectionTab, combo_items, control_row, shape_text
from gui.inspection.views import TileGrid
from gui.widgets.images import COLORMAPS, normalize
from models.inspection.probe import channel_order


class FeatureMapsTab(InspectionTab):
    """One layer: a channel grid (conv), bars (dense) or a tokens x features heatmap (sequences). A double-click
    on a value of the enlarged channel or on a bar asks for its arithmetic: `explain_requested(layer, position)`."""

    layer_chosen = Signal(str)
    explain_requested = Signal(str, tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(24)
        self.colormap_combo = QComboBox()
        self.colormap_combo.addItems(COLORMAPS)
        self.normalize_combo = QComboBox()
        self.normalize_combo.addItem("Each channel its own range", True)
        self.normalize_combo.addItem("One range for all channels", False)
        self.sort_check = QCheckBox("Sort by mean activation")
        controls = control_row("Layer", self.layer_combo, "Colours", self.colormap_combo, self.normalize_combo,
                                self.sort_check)
        self.grid = TileGrid()
        self.detail = ChannelDetail()
        self.bars = BarStrip()
        self.heatmap = Heatmap()
        self.views = QStackedWidget()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setSizes([600, 300])
        for widget in (self.splitter, self.bars, self.heatmap):
            self.views.addWidget(widget)
        self.shape_label = QLabel()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.shape_label)
        layout.addWidget(self.views, 1)
        self.order: np.ndarray = np.arange(0)
        self.channel: int | None = None
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        for signal in (self.colormap_combo.currentIndexChanged, self.normalize_combo.currentIndexChanged,
                       self.sort_check.toggled):
            signal.connect(lambda *_: self._draw_safely())
        self.grid.tile_clicked.connect(self._channel_clicked)
        self.detail.cell_activated.connect(self._cell_activated)
        self.bars.unit_activated.connect(self._unit_activated)

    def current_layer(self) -> str | None:
        return self.layer_combo.currentData()

    def select_layer(self, layer_id: str) -> bool:
        index = self.layer_combo.findData(layer_id)
        if index < 0:
            return False
        self.layer_combo.setCurrentIndex(index)
        return True

    def _layer_changed(self, _index: int) -> None:
        self.channel = None
        self._draw_safely()
        if self.current_layer():
            self.layer_chosen.emit(self.current_layer())

    def draw(self) -> None:
        data = self.data
        items = [(f"{layer_id} · {data.layer_types.get(layer_id, '')} · {shape_text(data.outputs[layer_id])}",
                  layer_id) for layer_id in data.layer_ids()]
        combo_items(self.layer_combo, items)
        activation = data.activation(self.current_layer()) if self.current_layer() else None
        if activation is None:
            return
        lut = self.colormap_combo.currentText()
        kind = activation.kind
        source = f" · {data.source}" if data.source else ""
        self.shape_label.setText(f"{activation.layer_id} ({activation.layer_type}): output "
                                 f"{shape_text(activation.values)}{source}")
        if kind in ("image", "volume"):
            maps = activation.channel_stack()
            self.order = channel_order(maps, self.sort_check.isChecked())
            stack = np.moveaxis(maps[self.order], 0, -1)
            tiles = np.moveaxis(normalize(stack, self.normalize_combo.currentData()), -1, 0)
            self.grid.set_tiles(tiles, lut, [f"channel {int(i)}" for i in self.order])
            self.views.setCurrentWidget(self.splitter)
            channel = self.channel if self.channel is not None and self.channel < len(maps) else int(self.order[0])
            self.channel = channel
            self.detail.set_map(maps[channel], lut, f"{activation.layer_id} · channel {channel}")
        elif kind == "vector":
            names = data.class_names if len(data.class_names) == activation.values.size else None
            self.bars.set_values(activation.values, f"{activation.layer_id} · {activation.values.size} units", names)
            self.views.setCurrentWidget(self.bars)
        elif kind == "sequence":
            self.heatmap.set_matrix(activation.values, lut, f"{activation.layer_id}: steps x features",
                                    row_title="step", col_title="feature")
            self.views.setCurrentWidget(self.heatmap)
        else:
            self.bars.set_values(np.atleast_1d(activation.values).ravel(), activation.layer_id)
            self.views.setCurrentWidget(self.bars)

    def _channel_clicked(self, tile: int) -> None:
        if 0 <= tile < len(self.order):
            self.channel = int(self.order[tile])
            activation = self.data.activation(self.current_layer())
            if activation is not None:
                maps = activation.channel_stack()
                self.detail.set_map(maps[self.channel], self.colormap_combo.currentText(),
                                    f"{activation.layer_id} · channel {self.channel}")

    def _cell_activated(self, row: int, column: int) -> None:
        layer = self.current_layer()
        if layer is not None and self.channel is not None:
            self.explain_requested.emit(layer, (row, column, self.channel))

    def _unit_activated(self, index: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.explain_requested.emit(layer, (index,))

    def export_widget(self) -> QWidget:
        return self.views.currentWidget() if self.stack.currentWidget() is self.content else self.message

    def export_arrays(self) -> dict[str, np.ndarray]:
        layer = self.current_layer()
        return {layer: np.asarray(self.data.outputs[layer])} if layer in self.data.outputs else {}


class OverviewTab(InspectionTab):
    """One row per layer with its most active channels: edges first, then shapes, then parts."""

    ROW_HEIGHT = 72
    PER_LAYER = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_widget = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_widget)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(2)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.rows_widget)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.rows: list[tuple[QLabel, TileGrid]] = []

    def draw(self) -> None:
        data = self.data
        entries = []
        for layer_id in data.layer_ids():
            activation = data.activation(layer_id)
            if activation.kind in ("image", "volume"):
                maps = activation.channel_stack()
                top = maps[channel_order(maps, sort=True)[:self.PER_LAYER]]
                tiles = np.moveaxis(normalize(np.moveaxis(top, 0, -1), True), -1, 0)
            elif activation.kind == "vector":
                tiles = normalize(activation.values.reshape(1, -1, 1), True).reshape(1, 1, -1)
            else:
                continue
            entries.append((f"{layer_id}\n{activation.layer_type} {shape_text(activation.values)}", tiles))
        if not entries:
            self.explain("No layer here has an image-like or vector output to summarise.")
            return
        while len(self.rows) < len(entries):
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            label, grid = QLabel(), TileGrid()
            label.setFixedWidth(170)
            row.setFixedHeight(self.ROW_HEIGHT)
            row_layout.addWidget(label)
            row_layout.addWidget(grid, 1)
            self.rows_layout.addWidget(row)
            self.rows.append((label, grid))
        for index, (label, grid) in enumerate(self.rows):
            visible = index < len(entries)
            label.parentWidget().setVisible(visible)
            if visible:
                label.setText(entries[index][0])
                grid.set_tiles(entries[index][1], "viridis", columns=len(entries[index][1]))

    def export_widget(self) -> QWidget:
        return self.rows_widget if self.stack.currentWidget() is self.content else self.message

    def export_arrays(self) -> dict[str, np.ndarray]:
        return {key: np.asarray(value) for key, value in self.data.outputs.items()}
