"""One projection of a layer's activations: a scatter coloured by class with a legend; the point under the
pointer is announced (`point_hovered(sample index)`, -1 when none) and a click on a point emits
`point_clicked(sample index)`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from gui.inspection.plots import PALETTE, _PlotView
from models.inspection.projection import Projection

HOVER_PIXELS = 8  # how near the pointer must be to a point to read it
LEGEND_LIMIT = 12  # classes named in the legend (more would cover the points)


class ProjectionPlot(_PlotView):
    point_hovered = Signal(int)
    point_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = pg.ScatterPlotItem(size=6, pen=None)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.legend: pg.LegendItem | None = None
        self.projection: Projection | None = None
        self.class_names: list[str] = []
        self.hovered = -1

    def set_projection(self, projection: Projection | None, class_names: Sequence[str] = ()) -> None:
        self.projection, self.class_names = projection, [str(name) for name in class_names]
        self.scatter.clear()
        if self.legend is not None:
            self.plot.scene().removeItem(self.legend)
            self.legend = None
        if projection is None:
            self._set_title("")
            return
        points = projection.points
        classes = projection.labels if len(projection.labels) == len(points) else np.zeros(len(points), np.int64)
        brushes = [pg.mkBrush(colour) for colour in PALETTE]
        self.scatter.setData(x=points[:, 0], y=points[:, 1], data=np.arange(len(points)),
                             brush=[brushes[c % len(brushes)] for c in classes])
        if len(projection.labels):
            self.legend = pg.LegendItem(offset=(-4, 4), labelTextSize="8pt")
            self.legend.setParentItem(self.plot.vb)
            present = sorted(set(classes.tolist()))
            for c in present[:LEGEND_LIMIT]:
                sample = pg.ScatterPlotItem(size=8, pen=None, brush=brushes[c % len(brushes)])
                self.legend.addItem(sample, self.name_of(c))
            if len(present) > LEGEND_LIMIT:
                self.legend.addItem(pg.ScatterPlotItem(size=0), f"… {len(present) - LEGEND_LIMIT} more")
        self.plot.autoRange()
        self._set_title(f"{projection.layer_id} · {projection.method}")

    def name_of(self, label: int) -> str:
        return self.class_names[label] if 0 <= label < len(self.class_names) else f"class {label}"

    def point_count(self) -> int:
        return len(self.scatter.data)

    def nearest(self, x: float, y: float) -> int:
        """The index of the point within HOVER_PIXELS of data coordinates (x, y), or -1."""
        if self.projection is None or not len(self.projection.points):
            return -1
        width, height = self.plot.vb.viewPixelSize()
        points = self.projection.points
        distances = ((points[:, 0] - x) / max(width, 1e-12)) ** 2 + ((points[:, 1] - y) / max(height, 1e-12)) ** 2
        index = int(np.argmin(distances))
        return index if distances[index] <= HOVER_PIXELS ** 2 else -1

    def _readout_at(self, x: float, y: float) -> str:
        index = self.nearest(x, y)
        if index != self.hovered:
            self.hovered = index
            self.point_hovered.emit(index)
        if index < 0:
            return ""
        labels = self.projection.labels
        label = f" · {self.name_of(int(labels[index]))}" if len(labels) else ""
        return f"sample {index}{label} — click to pin it"

    def _clicked(self, _item, points, _event) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))
