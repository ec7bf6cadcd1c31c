"""The Check tab: the pre-flight checks (models/checks/preflight.py) run in a worker with progress and
cancel, one pass/warn/fail line each with its fix, the learning-rate range test's curve with the suggested
rate marked, and buttons that apply the fixes a click can apply (the rate, the batch size)."""

from __future__ import annotations

import html
import math
import threading
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from datasets.base import Dataset
from gui.threads import Worker
from gui.widgets.colors import ERROR, SERIES
from models.checks.preflight import FAIL, PASS, WARN, CheckResult, CheckStopped, run_checks
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig

STATUS_COLORS = {PASS: "#2e7d32", WARN: "#e65100", FAIL: ERROR}  # green 800, orange 900: AA on white
TITLES = {"data": "Data", "memory": "Will it fit", "overfit": "Overfit one batch", "learning_rate": "Learning rate"}


class PreflightWorker(Worker):
    """Runs the four checks; `progress(text, fraction)` a few dozen times; `done(list of CheckResult)`."""

    progress = Signal(str, float)
    expected = (CheckStopped,)

    def __init__(self, spec: ModelSpec, config: TrainingConfig, dataset: Dataset | None, choice: dict[str, Any],
                 parent: QObject | None = None) -> None:
        super().__init__("The checks", parent, delete_when_finished=True)
        self.spec, self.config, self.dataset, self.choice = spec.copy(), config, dataset, dict(choice)
        self.stop_event = threading.Event()

    def request_stop(self) -> None:
        self.stop_event.set()
        super().request_stop()

    def work(self) -> list[CheckResult]:
        dataset = self.dataset
        if dataset is None:
            from datasets.base import Progress as LoadProgress
            from datasets.registry import load_dataset

            self.progress.emit(f"Loading data ({self.choice.get('source')})", 0.0)
            dataset = load_dataset(self.choice, LoadProgress(is_cancelled=self.stop_event.is_set))
        from models.training.trainer import refuse_misfit

        refuse_misfit(self.spec, dataset)
        self.progress.emit("Checking the data and memory", 0.0)
        return run_checks(self.spec, dataset, self.config, progress=self.progress.emit, stop=self.stop_event.is_set)

    def failure_message(self, error: BaseException) -> str:
        return f"The checks could not run: {error}"


class PreflightView(QWidget):
    """Emits `run_requested()`, `cancel_requested()`, `rate_chosen(rate)` and `batch_chosen(size)`."""

    run_requested = Signal()
    cancel_requested = Signal()
    rate_chosen = Signal(float)
    batch_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: list[CheckResult] = []
        self.run_button = QPushButton("Run Checks")
        self.run_button.setToolTip("Before a long run: can the model learn one batch, which learning rate, is the "
                                   "data sane, will training fit in memory (a few seconds)")
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("")
        self.lines = QLabel("Run the checks before a long run: four answers in a few seconds.")
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_rate_button = QPushButton("Use Suggested Rate")
        self.use_rate_button.clicked.connect(self._use_rate)
        self.use_batch_button = QPushButton("Use Batch Size")
        self.use_batch_button.clicked.connect(self._use_batch)
        for button in (self.use_rate_button, self.use_batch_button):
            button.hide()
        self.plot = pg.PlotWidget()
        self.plot.setBackground(self.palette().base().color())
        self.plot.setLogMode(x=True)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss (smoothed)")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setMinimumWidth(280)
        self.plot.hide()
        top = QHBoxLayout()
        for widget in (self.run_button, self.cancel_button, self.progress):
            top.addWidget(widget)
        top.addWidget(self.progress_label, 1)
        fixes = QHBoxLayout()
        fixes.addWidget(self.use_rate_button)
        fixes.addWidget(self.use_batch_button)
        fixes.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.lines, 1)
        left.addLayout(fixes)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addWidget(self.plot, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setValue(0)
            self.progress_label.setText("Starting…")

    def show_progress(self, text: str, fraction: float) -> None:
        self.progress.setValue(int(100 * fraction))
        self.progress_label.setText(text)

    def show_message(self, text: str) -> None:
        self.progress_label.setText(text)

    def show_results(self, results: list[CheckResult]) -> None:
        self.results = results
        self.progress.setValue(100)
        counts = {status: sum(r.status == status for r in results) for status in (PASS, WARN, FAIL)}
        self.progress_label.setText(f"{counts[PASS]} passed, {counts[WARN]} warnings, {counts[FAIL]} failed")
        rows = []
        for result in results:
            color = STATUS_COLORS.get(result.status, "#000000")
            fix = f"<br><i>Fix:</i> {html.escape(result.fix)}" if result.fix else ""
            rows.append(f"<p><b style='color:{color}'>{result.status.upper()}</b> <b>{TITLES.get(result.name, '')}"
                        f"</b> — {html.escape(result.line)}{fix}</p>")
        self.lines.setText("".join(rows))
        self._show_range_test(self.result("learning_rate"))
        memory = self.result("memory")
        largest = memory.data.get("largest_batch") if memory and memory.status != PASS else None
        self.use_batch_button.setVisible(bool(largest))
        if largest:
            self.use_batch_button.setText(f"Use Batch Size {self._batch_fix(memory):,}")

    def result(self, name: str) -> CheckResult | None:
        return next((r for r in self.results if r.name == name), None)

    def _show_range_test(self, result: CheckResult | None) -> None:
        self.plot.clear()
        rates = (result.data.get("rates") if result else None) or []
        if not rates:
            self.plot.hide()
            self.use_rate_button.hide()
            return
        self.plot.show()
        losses = result.data["losses"]
        self.plot.plot(rates, losses, pen=pg.mkPen(SERIES[0], width=2))
        low = min(losses)
        self.plot.setYRange(low - 0.1 * abs(low), max(losses[0], low) * 1.3 + 1e-9, padding=0)  # not the blow-up
        suggested = result.data["suggested"]
        marker = pg.InfiniteLine(math.log10(suggested), angle=90, pen=pg.mkPen(ERROR, style=Qt.PenStyle.DashLine),
                                 label=f"suggested {suggested:g}", labelOpts={"position": 0.9})
        self.plot.addItem(marker)
        self.use_rate_button.setText(f"Use Learning Rate {suggested:g}")
        self.use_rate_button.setVisible(result.status != PASS)

    def _use_rate(self) -> None:
        result = self.result("learning_rate")
        if result is not None and "suggested" in result.data:
            self.rate_chosen.emit(float(result.data["suggested"]))

    def _use_batch(self) -> None:
        memory = self.result("memory")
        if memory is not None and memory.data.get("largest_batch"):
            self.batch_chosen.emit(self._batch_fix(memory))

    @staticmethod
    def _batch_fix(memory: CheckResult) -> int:
        """What the memory check's fix says: half the largest batch when tight (room to spare), else the largest."""
        largest = memory.data["largest_batch"]
        return max(1, largest // 2 if memory.status == WARN else largest)
