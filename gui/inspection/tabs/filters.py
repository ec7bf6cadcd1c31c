"""The kernels of a convolution layer, drawn as tiles."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.inspection.tabs.base import InspectionTab, combo_items
from gui.inspection.views import TileGrid
from models.inspection.edges import edge_summary
from models.inspection.filters import filter_tiles


class FiltersTab(InspectionTab):
    view_key = "filters"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.edges = None  # the shown layer's EdgeSummary (Conv2D layers)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.grid = TileGrid()
        self.grid.keep_tiles_readable = True
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.note, 1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.scroll, 1)
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())

    def draw(self) -> None:
        data = self.data
        combo_items(self.layer_combo, [(f"{layer_id} · {data.layer_types.get(layer_id, '')}", layer_id)
                                        for layer_id in data.layer_types if layer_id in data.kernels])
        layer = self.layer_combo.currentData()
        if layer is None:
            self.explain("The kernels of these convolution layers are too large to copy while training; "
                         "they appear when the run ends.")
            return
        kernel = np.asarray(data.kernels[layer], np.float32)
        layer_type = data.layer_types.get(layer, "")
        tiles = filter_tiles(kernel, layer, layer_type)
        edges = edge_summary(kernel) if layer_type == "Conv2D" and kernel.ndim == 4 else None
        self.edges = edges
        titles = ([f"filter {i} · edge score {score:.2f} · prefers {angle:.0f}°" for i, (score, angle)
                   in enumerate(zip(edges.scores, edges.angles, strict=True))] if edges is not None else None)
        if tiles.rgb:
            self.grid.set_tiles(tiles.tiles, "gray", titles=titles)
            what = "each tile is one filter, in colour: what it responds to in the input image"
        else:
            count, inputs = tiles.tiles.shape[:2]
            flat = tiles.tiles.reshape(count * inputs, *tiles.tiles.shape[2:])
            bound = float(np.abs(flat).max()) or 1.0
            if inputs == 1:  # a grayscale input: one tile per filter, in a grid (not one column of 32 tiles)
                self.grid.set_tiles((flat / bound + 1) / 2, "diverging", titles=titles, gap=2)
                what = "each tile is one filter over the grayscale input; blue negative, red positive"
            else:  # each filter is a run of `inputs` tiles; several filters share a row so the grid is near square
                per_row = max(1, round(math.sqrt(count / inputs)))
                self.grid.set_tiles((flat / bound + 1) / 2, "diverging", columns=per_row * inputs, gap=2)
                what = (f"each filter is a run of {inputs} tiles, one per input channel, {per_row} filter(s) per row; "
                        "blue negative, red positive")
        sentence = edges.sentence() if edges is not None else ""
        self.note.setText("; ".join(filter(None, [what, tiles.note, sentence])))

    def export_arrays(self) -> dict[str, np.ndarray]:
        layer = self.layer_combo.currentData()
        if layer not in self.data.kernels:
            return {}
        arrays = {f"{layer}_kernel": np.asarray(self.data.kernels[layer])}
        if self.edges is not None:
            arrays[f"{layer}_edge_scores"] = self.edges.scores
            arrays[f"{layer}_edge_angles"] = self.edges.angles
        return arrays
