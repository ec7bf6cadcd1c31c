"""Small line plots of measured numbers against a position: a linear probe's accuracy against layer depth (now,
before training, chance) and attention against token distance (with the even-spread reference)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui.inspection.plots import _PlotView
from gui.widgets.colors import SERIES


class LinePlot(_PlotView):
    """Named lines over integer positions (with tick labels), a dotted reference line, and a readout of every
    line's value at the position under the pointer."""

    def __init__(self, x_label: str, y_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # 0.05, not 50 (x0.001)
        self.legend = self.plot.addLegend(offset=(-4, -4))  # bottom right: lines of accuracies sit high
        self.lines: dict[str, np.ndarray] = {}
        self.ticks: list[str] = []
        self.reference: tuple[str, float] | None = None

    def set_lines(self, lines: dict[str, np.ndarray], ticks: list[str] | None = None,
                  reference: tuple[str, float] | None = None, y_range: tuple[float, float] | None = None) -> None:
        self.plot.clear()
        self.legend.clear()
        self.lines = {name: np.asarray(values, dtype=np.float64) for name, values in lines.items()}
        self.ticks, self.reference = list(ticks or []), reference
        for index, (name, values) in enumerate(self.lines.items()):
            style = Qt.PenStyle.SolidLine if index == 0 else Qt.PenStyle.DashLine
            pen = pg.mkPen(SERIES[index % len(SERIES)], width=2, style=style)
            self.plot.plot(np.arange(len(values)), values, pen=pen, symbol="o", symbolSize=6,
                           symbolBrush=SERIES[index % len(SERIES)], name=name)
        if reference is not None:
            line = pg.InfiniteLine(reference[1], angle=0, pen=pg.mkPen((128, 128, 128), style=Qt.PenStyle.DotLine))
            self.plot.addItem(line)
            self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen((128, 128, 128), style=Qt.PenStyle.DotLine)),
                                reference[0])
        axis = self.plot.getAxis("bottom")
        axis.setTicks([list(enumerate(self.ticks))] if self.ticks else None)
        if y_range is not None:
            self.plot.setYRange(*y_range, padding=0.05)
        else:
            self.plot.enableAutoRange(axis="y")
        self.plot.setXRange(-0.3, max((len(v) for v in self.lines.values()), default=1) - 0.7, padding=0)
        self._refresh_readout()

    def _readout_at(self, x: float, y: float) -> str:
        index = int(round(x))
        parts = [f"{name}: {values[index]:.3g}" for name, values in self.lines.items() if 0 <= index < len(values)]
        if not parts:
            return ""
        where = self.ticks[index] if index < len(self.ticks) else str(index)
        return f"{where} · " + " · ".join(parts)
