"""Live training curves (pyqtgraph): per-step loss (raw and smoothed), per-epoch train / validation
metrics, and the learning rate; crosshair readout, log scale, PNG and CSV export, earlier runs overlaid.

Curves are created once and fed with `setData` from growing numpy buffers. Past `LONG_SERIES` steps,
`setDownsampling(auto, peak)` and `setClipToView` keep a million points cheap to draw (bench/plots.py); below
it they are off, as their per-update bookkeeping cost more than the few points they would skip.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.widgets.colors import SERIES
from gui.widgets.plot_items import cache_static_parts
from gui.widgets.visibility import on_screen

COLORS = SERIES
SMOOTHING = 0.9  # exponential moving average weight, as TensorBoard's smoothing slider
MAX_EPOCH_TICKS = 20  # up to this many epochs, the epoch axis has a tick at each one
LONG_SERIES = 5_000  # steps from which the step curves are downsampled and clipped to the view


class GrowingSeries:
    """x/y values in numpy arrays that double when full (appending a batch is O(1) amortised)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.size = 0

    def extend(self, xs, ys) -> None:
        count = len(xs)
        while self.size + count > len(self.x):
            self.x = np.resize(self.x, len(self.x) * 2)
            self.y = np.resize(self.y, len(self.y) * 2)
        self.x[self.size:self.size + count] = xs
        self.y[self.size:self.size + count] = ys
        self.size += count

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.size], self.y[:self.size]

    def clear(self) -> None:
        self.size = 0


def _plot(widget: pg.GraphicsLayoutWidget, row: int, col: int, title: str, y_label: str,
          rowspan: int = 1, legend: bool = True) -> pg.PlotItem:
    """A plot at (row + 1, col); its legend, if any, in the row above it: outside the data, so no curve is ever
    drawn across an entry (a legend inside the plot hid `val_accuracy`'s line)."""
    plot = widget.addPlot(row=row + 1, col=col, title=title, rowspan=rowspan)
    # No grid: pyqtgraph's grid lines cost ~20 ms per repaint here, which at 20 Hz slowed training by a third
    # (bench/training.py); the crosshair readout gives exact values instead.
    plot.setLabel("left", y_label)
    if legend:
        plot.legend = pg.LegendItem(colCount=4, horSpacing=12, verSpacing=-6)  # PlotItem.plot(name=) fills it
        widget.addItem(plot.legend, row=row, col=col)
    cache_static_parts(plot)
    return plot


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(self.palette().base().color())
        self.step_plot = _plot(self.graphics, 0, 0, "Loss per step", "loss")
        self.step_plot.setLabel("bottom", "step")
        self.epoch_plot = _plot(self.graphics, 0, 1, "Per epoch", "value", rowspan=2)  # full height
        self.epoch_plot.setLabel("bottom", "epoch")
        self.rate_plot = _plot(self.graphics, 1, 0, "Learning rate", "rate", legend=False)
        self.rate_plot.setMaximumHeight(110)  # the loss gets the height; the rate only needs its shape
        self.rate_plot.setXLink(self.step_plot)
        self.raw = GrowingSeries()
        self.smooth = GrowingSeries()
        self.rate = GrowingSeries()
        self._ema: float | None = None
        self._rate_drawn = (float("nan"), 0.0)  # (last rate drawn, when)
        self.raw_curve = self.step_plot.plot(pen=pg.mkPen("#90caf9", width=1), name="loss")
        # One-pixel pens: Qt draws wider lines at half the speed (3.8 -> 2.0 ms per repaint of 3,000 steps),
        # and every millisecond here is taken from training on a small machine.
        self.smooth_curve = self.step_plot.plot(pen=pg.mkPen("#0d47a1", width=1), name="smoothed")
        self.rate_curve = self.rate_plot.plot(pen=pg.mkPen("#6d4c41", width=1))
        for curve in (self.raw_curve, self.smooth_curve, self.rate_curve):
            curve.setSkipFiniteCheck(True)  # the Trainer stops at the first NaN/inf loss
        cache_static_parts(self.step_plot)  # again, now that its legend has entries
        self.epochs: dict[str, list[float]] = {}
        self.epoch_curves: dict[str, pg.PlotDataItem] = {}
        self.overlays: list[pg.PlotDataItem] = []
        self.dirty = False
        # The step plots' ranges follow the data in chunks (x grows by half when full, y widens only when
        # a value leaves it): re-laying out the axes at every tick was most of a redraw's cost. Panning or
        # zooming by hand stops the following; "Log scale" hands the ranges back to pyqtgraph.
        self.follow = True
        self._x_end = 0.0
        self._y_span: tuple[float, float] | None = None
        self._rate_max = 0.0
        for plot in (self.step_plot, self.rate_plot):
            plot.vb.sigRangeChangedManually.connect(self._stop_following)
            plot.disableAutoRange()
        self.epochs_dirty = False  # the epoch plot repaints only when an epoch ended, not at every tick
        self.steps_dirty = False  # new per-step points since the last redraw
        self.planned_epochs = 0
        self.drawn_step = 0
        self._build_crosshair()
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(self.log_scale)
        controls.addWidget(self.readout, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.graphics, 1)

    # ----- data ----------------------------------------------------------------------------------------------
    def clear(self) -> None:
        for series in (self.raw, self.smooth, self.rate):
            series.clear()
        self._reduce_long_series(False)
        self._ema = None
        self._rate_drawn = (float("nan"), 0.0)
        self._x_end, self._y_span, self._rate_max = 0.0, None, 0.0
        self.epochs = {}
        for curve in self.epoch_curves.values():
            self.epoch_plot.removeItem(curve)
        self.epoch_curves = {}
        self.planned_epochs = 0
        self.epoch_plot.enableAutoRange(x=True)
        self.dirty = self.epochs_dirty = self.steps_dirty = True
        self.redraw()

    def plan_run(self, epochs: int, steps_per_epoch: int = 0) -> None:
        """The run's length: the step and epoch axes span the whole run from the start, so they are laid out
        once per run instead of as the data grows, and the user sees how far the run has come."""
        self.planned_epochs = epochs
        self._epoch_axis()
        if steps_per_epoch and self.follow and not self.log_scale.isChecked():
            self._x_end = float(epochs * steps_per_epoch)
            self.step_plot.setXRange(0, self._x_end, padding=0.01)

    def _epoch_axis(self) -> None:
        """The epoch axis spans the planned run or the longest overlaid one, whichever is longer."""
        longest = max([self.planned_epochs] + [len(curve.xData) for curve in self.overlays
                                               if curve.xData is not None])
        if longest and not self.log_scale.isChecked():
            self.epoch_plot.enableAutoRange(x=False)
            self.epoch_plot.setXRange(0.5, longest + 0.5, padding=0.02)
        # whole epochs only: pyqtgraph's own ticks put 1.5, 2.5... between them on a short run
        axis = self.epoch_plot.getAxis("bottom")
        if 0 < longest <= MAX_EPOCH_TICKS:
            axis.setTickSpacing(1, 1)
        else:
            axis.setTickSpacing()

    def add_batches(self, batches: list[tuple[int, float, dict[str, float]]]) -> None:
        """(step, time, logs) tuples from the worker's buffer."""
        if not batches:
            return
        steps = np.fromiter((b[0] for b in batches), float, len(batches))
        losses = np.fromiter((b[2].get("loss", np.nan) for b in batches), float, len(batches))
        rates = np.fromiter((b[2].get("learning_rate", np.nan) for b in batches), float, len(batches))
        smoothed = np.empty_like(losses)
        ema = self._ema
        for index, value in enumerate(losses):
            ema = value if ema is None else SMOOTHING * ema + (1 - SMOOTHING) * value
            smoothed[index] = ema
        self._ema = ema
        self.raw.extend(steps, losses)
        self.smooth.extend(steps, smoothed)
        self.rate.extend(steps, rates)
        if self.raw.size >= LONG_SERIES and not self.step_plot.clipToViewMode():
            self._reduce_long_series(True)
        finite = losses[np.isfinite(losses)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            self._y_span = (min(low, self._y_span[0]), max(high, self._y_span[1])) if self._y_span else (low, high)
        if np.isfinite(rates).any():
            self._rate_max = max(self._rate_max, float(np.nanmax(rates)))
        self.dirty = self.steps_dirty = True

    def _reduce_long_series(self, on: bool) -> None:
        """Peak downsampling and clip-to-view for the step curves (turned on once a run is long)."""
        for plot in (self.step_plot, self.rate_plot):
            plot.setClipToView(on)
            plot.setDownsampling(ds=None if on else False, auto=on, mode="peak")

    def add_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            if key != "learning_rate":
                self.epochs.setdefault(key, []).append(value)
        self.dirty = self.epochs_dirty = True

    def redraw(self) -> bool:
        """Push new data to the curves (called from the panel's timer); False when nothing changed."""
        if not self.dirty or not on_screen(self):
            return False  # hidden or tabbed away: the data waits in the buffers, nothing is lost
        if self.steps_dirty:  # an epoch end alone leaves the step curves as they are
            self.raw_curve.setData(*self.raw.view())
            self.smooth_curve.setData(*self.smooth.view())
            self._redraw_rate()
        for index, (key, values) in enumerate(sorted(self.epochs.items()) if self.epochs_dirty else ()):
            curve = self.epoch_curves.get(key)
            if curve is None:
                dashed = key.startswith("val_")
                pen = pg.mkPen(COLORS[index % len(COLORS)], width=2,
                               style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
                curve = self.epoch_curves[key] = self.epoch_plot.plot(pen=pen, symbol="o", symbolSize=5,
                                                                      symbolBrush=pen.color(), name=key)
                cache_static_parts(self.epoch_plot)
            curve.setData(np.arange(1, len(values) + 1), np.asarray(values, float))
            if len(values) > self.planned_epochs:  # more epochs than planned (or none planned): widen
                self.planned_epochs = len(values)
                self._epoch_axis()
        self.drawn_step = int(self.raw.x[self.raw.size - 1]) if self.raw.size else 0
        self._follow_data()
        self.dirty = self.epochs_dirty = self.steps_dirty = False
        return True

    def set_on_screen(self, shown: bool) -> None:
        """Shown again (its dock's tab raised): draw what arrived meanwhile, once Qt has laid it out."""
        if shown:
            QTimer.singleShot(0, self.redraw)

    def flush(self) -> None:
        """At the end of a run: draw everything, the flat learning rate's last stretch included (between its
        once-a-second redraws it lags the loss)."""
        self._rate_drawn = (float("nan"), 0.0)
        self.dirty = self.steps_dirty = True
        self.redraw()

    def _redraw_rate(self) -> None:
        """The learning rate is mostly flat or slowly changing: redrawn when it moved, else once a second.
        Every setData holds Python's lock in the GUI thread, which the training thread then waits for."""
        steps, rates = self.rate.view()
        if not len(rates):
            self.rate_curve.setData(steps, rates)
            return
        now = time.monotonic()
        if rates[-1] != self._rate_drawn[0] or now - self._rate_drawn[1] >= 1.0:
            self.rate_curve.setData(steps, rates)
            self._rate_drawn = (float(rates[-1]), now)

    def overlay(self, name: str, history: dict[str, list[float]]) -> None:
        """An earlier run's per-epoch loss curves, faint, for comparison."""
        for key in ("loss", "val_loss"):
            if history.get(key):
                values = np.array(history[key], dtype=float)  # a null (a diverged step) is a gap
                curve = self.epoch_plot.plot(np.arange(1, len(values) + 1), values, connect="finite",
                                             pen=pg.mkPen((150, 150, 150, 160), width=1, style=Qt.PenStyle.DotLine),
                                             name=f"{name} {key}")
                self.overlays.append(curve)
        cache_static_parts(self.epoch_plot)
        if self.planned_epochs:  # the epoch axis is fixed to the run's length: widen it for a longer one
            self._epoch_axis()

    def clear_overlays(self) -> None:
        for curve in self.overlays:
            self.epoch_plot.removeItem(curve)
        self.overlays = []

    def _follow_data(self) -> None:
        if not self.follow or not self.raw.size or self.log_scale.isChecked():
            return
        last = float(self.raw.x[self.raw.size - 1])
        if last > self._x_end or self._x_end == 0:
            self._x_end = max(16.0, last * 2)  # past the plan (or none): doubling moves the axes log2(n) times
            self.step_plot.setXRange(0, self._x_end, padding=0)
        if self._y_span is not None:
            low, high = self._y_span
            shown = self.step_plot.vb.viewRange()[1]
            if low < shown[0] or high > shown[1] or shown == [0, 1]:
                # Room to grow on the side that moved: a falling loss passes a 10% margin every few ticks,
                # and each new range re-lays out the axis (~1 ms of Python on the GUI thread).
                span = (high - low) or abs(high) or 1.0
                below = 0.3 if low < shown[0] else 0.1
                above = 0.3 if high > shown[1] and shown != [0, 1] else 0.1
                self.step_plot.setYRange(low - span * below, high + span * above, padding=0)
        top = self._rate_max * 1.2 or 1.0
        if abs(self.rate_plot.vb.viewRange()[1][1] - top) > 1e-12 * top:
            self.rate_plot.setYRange(0, top, padding=0)

    def _stop_following(self, *_args) -> None:
        self.follow = False
        for plot in (self.step_plot, self.rate_plot):
            plot.enableAutoRange()

    # ----- view ----------------------------------------------------------------------------------------------
    def set_log_scale(self, on: bool) -> None:
        for plot in (self.step_plot, self.epoch_plot, self.rate_plot):
            plot.setLogMode(y=on)
            if on:
                plot.enableAutoRange()
        if not on and self.follow:
            for plot in (self.step_plot, self.rate_plot):
                plot.disableAutoRange()
            self._x_end = 0.0
            self.dirty = True
            self.redraw()

    def _build_crosshair(self) -> None:
        self.cross = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), width=1))
        self.step_plot.addItem(self.cross, ignoreBounds=True)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)

    def _mouse_moved(self, position) -> None:
        if not self.step_plot.sceneBoundingRect().contains(position) or not self.raw.size:
            return
        x = self.step_plot.vb.mapSceneToView(position).x()
        steps, losses = self.raw.view()
        index = int(np.clip(np.searchsorted(steps, x), 0, self.raw.size - 1))
        self.cross.setPos(steps[index])
        self.readout.setText(f"step {int(steps[index])}: loss {losses[index]:.4g} "
                             f"(smoothed {self.smooth.y[index]:.4g}) · learning rate {self.rate.y[index]:.3g}")

    # ----- export --------------------------------------------------------------------------------------------
    def export_png(self, path: Path) -> None:
        self.graphics.grab().save(str(path))

    def export_csv(self, path: Path) -> None:
        """Two tables in one file: per-step loss and learning rate, then per-epoch metrics."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["step", "loss", "smoothed_loss", "learning_rate"])
            steps, losses = self.raw.view()
            for index in range(self.raw.size):
                writer.writerow([int(steps[index]), losses[index], self.smooth.y[index], self.rate.y[index]])
            keys = sorted(self.epochs)
            writer.writerow([])
            writer.writerow(["epoch", *keys])
            for epoch in range(max((len(v) for v in self.epochs.values()), default=0)):
                writer.writerow([epoch + 1, *(self.epochs[k][epoch] if epoch < len(self.epochs[k]) else ""
                                              for k in keys)])
