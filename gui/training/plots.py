"""Live training curves (pyqtgraph): per-step loss (raw and smoothed), per-epoch train / validation
metrics, and the learning rate; crosshair readout, log scales, step or time on the x axis, PNG and CSV export,
earlier runs overlaid.

Curves are created once and fed with `setData` from growing numpy buffers. Past `LONG_SERIES` steps the step
curves show an envelope (models/training/curves.py): per pixel column, a band from the lowest to the highest
loss, so no spike is hidden, and a line through the means; a million points stay cheap to draw
(bench/plots.py). Smoothing is TensorBoard's debiased moving average with a slider; what it drew never changes
as the run grows.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from gui.widgets.colors import SERIES
from gui.widgets.plot_items import cache_static_parts
from gui.widgets.visibility import on_screen
from models.training.curves import Smoother, envelope

COLORS = SERIES
SMOOTHING = 0.9  # the smoothing slider's start: TensorBoard's debiased moving average weight
REFRESH_RATES_HZ = (1, 2, 5, 10, 12)  # how often the live curves redraw; 12 Hz by default
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
    plot.getAxis("left").enableAutoSIPrefix(False)  # a loss of 0.6 reads 0.6, not "600 (x0.001)"
    if legend:
        plot.legend = pg.LegendItem(colCount=4, horSpacing=12, verSpacing=-6)  # PlotItem.plot(name=) fills it
        widget.addItem(plot.legend, row=row, col=col)
    cache_static_parts(plot)
    return plot


class TrainingPlots(QWidget):
    """Signal `refresh_changed(ms)`: the person chose another redraw rate (the panel's timer follows)."""

    refresh_changed = Signal(int)

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
        self.times = GrowingSeries()  # step -> seconds since the run's first batch (the time axis)
        self._time_origin = 0.0
        self.smoother = Smoother(SMOOTHING)
        self._rate_drawn = (float("nan"), 0.0)  # (last rate drawn, when)
        self.raw_curve = self.step_plot.plot(pen=pg.mkPen("#90caf9", width=1), name="loss")
        # a long run: the band from each pixel column's lowest to highest loss, under the line through the means
        self.band_low = pg.PlotDataItem(pen=pg.mkPen("#90caf9", width=1))
        self.band_high = pg.PlotDataItem(pen=pg.mkPen("#90caf9", width=1))
        self.band = pg.FillBetweenItem(self.band_low, self.band_high, brush=pg.mkBrush(144, 202, 249, 110))
        for item in (self.band_low, self.band_high, self.band):
            self.step_plot.addItem(item)
            item.setVisible(False)
        self.band.setZValue(-1)
        self.enveloped = False
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
        self.overlay_bands: list[pg.FillBetweenItem] = []  # a repeat group's mean ± std
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
        self.log_scale = QCheckBox("Log y")
        self.log_scale.setToolTip("A logarithmic value axis: a loss falling by factors reads as a straight line")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.log_x = QCheckBox("Log x")
        self.log_x.setToolTip("A logarithmic step axis: the first steps and the last get room alike")
        self.log_x.toggled.connect(self.set_log_x)
        self.x_axis = QComboBox()
        self.x_axis.addItems(["Step", "Time"])
        self.x_axis.setToolTip("The per-step curves against the step, or against the seconds since the run began")
        self.x_axis.currentTextChanged.connect(self._x_axis_changed)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(round(SMOOTHING * 100))
        self.smoothing.setMaximumWidth(140)
        self.smoothing.setToolTip("Smoothing of the loss (TensorBoard's debiased moving average; 0: none). The "
                                  "smoothed curve never changes where it is drawn already as the run goes on.")
        self.smoothing_label = QLabel()
        self.smoothing.valueChanged.connect(self.set_smoothing)
        self.refresh = QComboBox()
        for rate in REFRESH_RATES_HZ:
            self.refresh.addItem(f"{rate} Hz", rate)
        self.refresh.setCurrentIndex(len(REFRESH_RATES_HZ) - 1)
        self.refresh.setToolTip("How often the live curves redraw while training")
        self.refresh.currentIndexChanged.connect(
            lambda _i: self.refresh_changed.emit(round(1000 / self.refresh.currentData())))
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        for widget in (self.log_scale, self.log_x, QLabel("x:"), self.x_axis, QLabel("Smoothing"), self.smoothing,
                       self.smoothing_label, QLabel("Refresh"), self.refresh):
            controls.addWidget(widget)
        controls.addWidget(self.readout, 1)
        self._show_smoothing()
        self.step_plot.vb.sigXRangeChanged.connect(self._view_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.graphics, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Short (a docked panel at 1280x800): the loss gets the height, the rate plot a strip, no titles."""
        super().resizeEvent(event)
        height = self.graphics.height()
        self.rate_plot.setMaximumHeight(max(50, min(110, int(0.3 * height))))
        short = height < 330
        for plot, title in ((self.step_plot, "Loss per step"), (self.rate_plot, "Learning rate"),
                            (self.epoch_plot, "Per epoch")):
            if short != (plot.titleLabel.text == ""):
                plot.setTitle(None if short else title)

    # ----- data ----------------------------------------------------------------------------------------------
    def clear(self) -> None:
        for series in (self.raw, self.smooth, self.rate, self.times):
            series.clear()
        self._reduce_long_series(False)
        self.smoother = Smoother(self.smoother.weight)
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
        times = np.fromiter((b[1] for b in batches), float, len(batches))
        self.raw.extend(steps, losses)
        self.smooth.extend(steps, self.smoother.extend(losses))
        self.rate.extend(steps, rates)
        if not self.times.size:
            self._time_origin = float(times[0])
        self.times.extend(steps, times - self._time_origin)
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
        """A long run: the loss as an envelope per pixel column (computed here), the learning rate with
        pyqtgraph's peak downsampling and clip-to-view; a short one point for point."""
        self.enveloped = on
        for item in (self.band_low, self.band_high, self.band):
            item.setVisible(on)
        self.rate_plot.setClipToView(on)
        self.rate_plot.setDownsampling(ds=None if on else False, auto=on, mode="peak")

    def add_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            if key != "learning_rate":
                self.epochs.setdefault(key, []).append(value)
        self.dirty = self.epochs_dirty = True

    def redraw(self) -> bool:
        """Push new data to the curves (called from the panel's timer); False when nothing changed."""
        if not self.dirty or not on_screen(self):
            return False  # hidden or tabbed away: the data waits in the buffers, nothing is lost
        self._follow_data()  # first: a long run's envelope is computed for the range it will be seen in
        if self.steps_dirty:  # an epoch end alone leaves the step curves as they are
            self._draw_steps()
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
        self.dirty = self.epochs_dirty = self.steps_dirty = False
        return True

    def _x_values(self, series: GrowingSeries) -> np.ndarray:
        """The x of a per-step series: its steps, or the seconds since the run began."""
        return self.times.y[:series.size] if self.x_axis.currentText() == "Time" else series.x[:series.size]

    def _draw_steps(self) -> None:
        x = self._x_values(self.raw)
        losses, smoothed = self.raw.y[:self.raw.size], self.smooth.y[:self.smooth.size]
        if not self.enveloped:
            self.raw_curve.setData(x, losses)
            self.smooth_curve.setData(x, smoothed)
            return
        (start, stop), columns = self._visible_x(x)
        band = envelope(x, losses, start, stop, columns, log=self.log_x.isChecked())
        self.band_low.setData(band.x, band.low)
        self.band_high.setData(band.x, band.high)
        self.raw_curve.setData(band.x, band.mean, connect="finite")
        line = envelope(x, smoothed, start, stop, columns, log=self.log_x.isChecked())
        self.smooth_curve.setData(line.x, line.mean, connect="finite")

    def _visible_x(self, x: np.ndarray) -> tuple[tuple[float, float], int]:
        """The x range on screen (in data units, also on a log axis) and its width in pixels."""
        low, high = self.step_plot.vb.viewRange()[0]
        if self.log_x.isChecked():
            low, high = 10.0 ** low, 10.0 ** high
        if not len(x):
            return (low, high), 1
        low, high = max(low, float(x[0])), min(high, float(x[-1]))
        if high <= low:
            low, high = float(x[0]), float(x[-1])
        return (low, high), max(int(self.step_plot.vb.width()), 50)

    def _view_moved(self, *_args) -> None:
        """Panned or zoomed: a long run's envelope is recomputed for the new range at the next redraw."""
        if self.enveloped:
            self.dirty = self.steps_dirty = True

    def set_smoothing(self, value: int) -> None:
        """The slider (0..99): the whole smoothed curve at the new weight, then followed live."""
        weight = value / 100
        self.smoother = Smoother(weight)
        self.smooth.y[:self.raw.size] = self.smoother.extend(self.raw.y[:self.raw.size])
        self._show_smoothing()
        self.dirty = self.steps_dirty = True
        self.redraw()

    def _show_smoothing(self) -> None:
        self.smoothing_label.setText(f"{self.smoothing.value() / 100:.2f}")

    def set_log_x(self, on: bool) -> None:
        self.step_plot.setLogMode(x=on)
        self.rate_plot.setLogMode(x=on)
        if on:
            self._stop_following()
        self.dirty = self.steps_dirty = True
        self.redraw()

    def _x_axis_changed(self, text: str) -> None:
        self.step_plot.setLabel("bottom", "seconds" if text == "Time" else "step")
        self._stop_following()  # the planned range is in steps
        self.dirty = self.steps_dirty = True
        self._rate_drawn = (float("nan"), 0.0)
        self.redraw()

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
        steps, rates = self._x_values(self.rate), self.rate.y[:self.rate.size]
        if not len(rates):
            self.rate_curve.setData(steps, rates)
            return
        now = time.monotonic()
        if rates[-1] != self._rate_drawn[0] or now - self._rate_drawn[1] >= 1.0:
            self.rate_curve.setData(steps, rates)
            self._rate_drawn = (float(rates[-1]), now)

    def overlay(self, name: str, history: dict[str, list[float]], color: str = "#969696", label: str = "") -> None:
        """An earlier run's per-epoch curves, every metric, in the run's own colour (validation dashed), named
        in the legend with the settings that set it apart (`label`)."""
        for key, values in sorted(history.items()):
            if key == "learning_rate" or not values:
                continue
            values = np.array(values, dtype=float)  # a null (a diverged step) is a gap
            style = Qt.PenStyle.DashLine if key.startswith("val_") else Qt.PenStyle.SolidLine
            pen = pg.mkPen(color, width=1, style=style)
            title = f"{name} {key}" + (f" ({label})" if label else "")
            curve = self.epoch_plot.plot(np.arange(1, len(values) + 1), values, connect="finite", pen=pen,
                                         symbol="t", symbolSize=4, symbolBrush=pen.color(), name=title)
            self.overlays.append(curve)
        self._legend_columns()
        cache_static_parts(self.epoch_plot)
        if self.planned_epochs:  # the epoch axis is fixed to the run's length: widen it for a longer one
            self._epoch_axis()

    def overlay_band(self, name: str, curves: dict[str, tuple[np.ndarray, np.ndarray]], color: str,
                     label: str = "") -> None:
        """A repeat group's curves: per metric the mean over its seeds per epoch, with a band of ± one standard
        deviation in the same colour (validation dashed), named "<group> val_loss (mean ± std of 3 seeds)"."""
        for key, (mean, std) in sorted(curves.items()):
            if key == "learning_rate" or not len(mean):
                continue
            epochs = np.arange(1, len(mean) + 1)
            style = Qt.PenStyle.DashLine if key.startswith("val_") else Qt.PenStyle.SolidLine
            pen = pg.mkPen(color, width=2, style=style)
            title = f"{name} {key}" + (f" ({label})" if label else "")
            line = self.epoch_plot.plot(epochs, mean, connect="finite", pen=pen, name=title)
            spread = np.nan_to_num(std)
            low = pg.PlotDataItem(epochs, mean - spread, connect="finite", pen=pg.mkPen(None))
            high = pg.PlotDataItem(epochs, mean + spread, connect="finite", pen=pg.mkPen(None))
            fill = QColor(color)
            fill.setAlpha(45 if key.startswith("val_") else 70)
            band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill))
            self.epoch_plot.addItem(band)
            self.overlays.append(line)
            self.overlay_bands.append(band)
        self._legend_columns()
        cache_static_parts(self.epoch_plot)
        if self.planned_epochs:
            self._epoch_axis()

    def clear_overlays(self) -> None:
        for item in [*self.overlays, *self.overlay_bands]:
            self.epoch_plot.removeItem(item)
        self.overlays, self.overlay_bands = [], []
        self._legend_columns()

    def _legend_columns(self) -> None:
        """Overlaid runs have long names: two legend columns then, so the legend never widens the plot past
        the window (it pushed the epoch axis's right end out of sight)."""
        legend = self.epoch_plot.legend
        columns = 2 if self.overlays else 4
        if legend.columnCount != columns:
            legend.setColumnCount(columns)

    def _follow_data(self) -> None:
        if not self.follow or not self.raw.size or self.log_scale.isChecked() or self.log_x.isChecked() \
                or self.x_axis.currentText() == "Time":
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
        if self.log_x.isChecked():
            x = 10.0 ** x
        steps, losses = self.raw.view()
        along = self._x_values(self.raw)
        index = int(np.clip(np.searchsorted(along, x), 0, self.raw.size - 1))
        self.cross.setPos(np.log10(max(along[index], 1e-12)) if self.log_x.isChecked() else along[index])
        when = f" ({self.times.y[index]:.1f} s)" if self.times.size > index else ""
        self.readout.setText(f"step {int(steps[index])}{when}: loss {losses[index]:.4g} "
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
