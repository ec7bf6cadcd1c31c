"""A sweep's results: for every swept setting, the objective of each trial against the value it tried (one
scatter per setting, the best trial drawn as a large star), the best trial's values in words, and a button that
puts them into the model and settings as one undoable edit."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.widgets.colors import ERROR, SERIES
from models.training.sweep_results import SweepTrials, sweep_ids, sweep_trials


class SweepResults(QWidget):
    """Emits `apply_requested(values)` with the chosen trial's {target: value}."""

    apply_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: list[dict[str, Any]] = []
        self.trials: SweepTrials | None = None
        self.chooser = QComboBox()
        self.chooser.setToolTip("Which of the project's sweeps to show")
        self.chooser.currentTextChanged.connect(self._show_chosen)
        self.best_label = QLabel("No sweep yet: Train ▸ Sweep… tries settings and layer parameters, one run each.")
        self.best_label.setWordWrap(True)
        self.apply_button = QPushButton("Apply Best Values to the Model")
        self.apply_button.setToolTip("Put the best trial's values into the model and the training settings "
                                     "(one step of Edit ▸ Undo)")
        self.apply_button.clicked.connect(self._apply)
        self.apply_button.setEnabled(False)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(self.palette().base().color())  # as the curves: light, like the window
        self.plots: dict[str, pg.PlotItem] = {}
        top = QHBoxLayout()
        top.addWidget(QLabel("Sweep:"))
        top.addWidget(self.chooser)
        top.addWidget(self.best_label, 1)
        top.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)

    def show_runs(self, records: list[dict[str, Any]], choose: str | None = None) -> None:
        """The project's runs changed: list its sweeps and show `choose` (default: the one shown, else the last)."""
        self.records = records
        ids = sweep_ids(records)
        current = choose or self.chooser.currentText()
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems(ids)
        self.chooser.blockSignals(False)
        if ids:
            self.chooser.setCurrentText(current if current in ids else ids[-1])
        self._show_chosen()

    def _show_chosen(self, *_args) -> None:
        sweep_id = self.chooser.currentText()
        self.trials = sweep_trials(self.records, sweep_id) if sweep_id else None
        self.graphics.clear()
        self.plots = {}
        trials = self.trials
        if trials is None or not trials.rows:
            self.apply_button.setEnabled(False)
            if not sweep_id:
                self.best_label.setText("No sweep yet: Train ▸ Sweep… tries settings and layer parameters, "
                                        "one run each.")
            return
        for column, target in enumerate(trials.targets):
            self.plots[target] = self._scatter(column, target, trials)
        best = trials.best
        if best is None:
            self.best_label.setText(f"{sweep_id}: no trial gave {trials.objective} yet.")
            self.apply_button.setEnabled(False)
            return
        values = ", ".join(f"{t} {_text(v)}" for t, v in best.values.items())
        name = best.run_name if best.run_name == best.run_id else f"{best.run_name} ({best.run_id})"
        self.best_label.setText(f"{sweep_id}, {len(trials.rows)} trials. Best: {name} with {values}: "
                                f"{trials.objective} {best.objective:.4g}")
        self.apply_button.setEnabled(True)

    def _scatter(self, column: int, target: str, trials: SweepTrials) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=0, col=column)
        plot.setLabel("bottom", target)
        if column == 0:
            plot.setLabel("left", trials.objective)
        plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):  # 0.001 on a log axis, not "1 (x0.001)"
            plot.getAxis(side).enableAutoSIPrefix(False)
        xs, labels = trials.axis(target)
        scored = [(x, row) for x, row in zip(xs, trials.rows, strict=True) if row.objective is not None]
        if labels:  # names (optimizers, activations): one tick per name
            plot.getAxis("bottom").setTicks([list(enumerate(labels))])
        elif trials.log_scale(target):
            plot.setLogMode(x=True)
            plot.getAxis("bottom").setTicks([log_ticks(min(xs), max(xs)), []])  # 1-2-5 labels that never crowd
        best = trials.best
        # PlotDataItems (not a bare ScatterPlotItem): they follow the plot's log x axis
        others = [(x, row.objective) for x, row in scored if row is not best]
        if others:
            plot.plot([x for x, _y in others], [y for _x, y in others], pen=None, symbol="o", symbolSize=9,
                      symbolBrush=pg.mkBrush(SERIES[0]), symbolPen=pg.mkPen("#333333", width=0.5))
        chosen = [(x, row.objective) for x, row in scored if row is best]
        if chosen:
            plot.plot([chosen[0][0]], [chosen[0][1]], pen=None, symbol="star", symbolSize=20,
                      symbolBrush=pg.mkBrush(ERROR), symbolPen=pg.mkPen("#333333", width=0.5))
        failed = [x for x, row in zip(xs, trials.rows, strict=True) if row.objective is None]
        if failed:  # a diverged trial: a cross on the axis, so it is not silently missing
            low = min((row.objective for _x, row in scored), default=0.0)
            plot.plot(failed, [low] * len(failed), pen=None, symbol="x", symbolSize=12, symbolBrush=pg.mkBrush(ERROR),
                      symbolPen=pg.mkPen(ERROR))
        return plot

    def _apply(self) -> None:
        if self.trials is not None and self.trials.best is not None:
            self.apply_requested.emit(dict(self.trials.best.values))


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks of a log axis (positions in log10) at 1, 2 and 5 times each power of ten from `low` to `high`,
    thinned to the powers alone past four decades."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    steps = (1,) if last - first > 4 else (1, 2, 5)
    ticks = [(math.log10(m * 10.0**p), f"{m * 10.0**p:g}") for p in range(first, last + 1) for m in steps]
    start, stop = math.log10(low) - 0.5, math.log10(high) + 0.5
    return [(position, label) for position, label in ticks if start <= position <= stop]


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e4 and not math.isclose(value, round(value)) else f"{value:g}"
    return str(value)
