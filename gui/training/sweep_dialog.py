"""The Sweep dialog: which training settings and layer parameters to vary, over which values, searched how.

Each row is a target (a training setting, or `layer.parameter`) and its values as a person writes them
("0.001, 0.01", "1e-4 .. 0.1 log", "0 .. 0.5 step 0.1"). The sweep is checked against the model as it is
edited, with the reason shown under the table; Save and Open use the file `python main.py sweep` reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from gui.widgets.colors import ERROR
from gui.widgets.slots import guarded
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig
from models.training.sweep import (
    MAX_TRIALS,
    SEARCHES,
    Sweep,
    SweepError,
    check_sweep,
    grid_size,
    load_sweep,
    parameter_from_text,
    parameter_text,
    sweepable_targets,
)

OBJECTIVES = ("val_loss", "val_accuracy", "loss", "accuracy")
EXAMPLE = {"learning_rate": "1e-4 .. 0.1 log", "batch_size": "16, 32, 64", "epochs": "5, 10, 20",
           "optimizer": "adam, sgd", "units": "16, 32, 64, 128", "filters": "8, 16, 32", "rate": "0 .. 0.5 step 0.1"}


class SweepDialog(QDialog):
    """`sweep()` is the checked Sweep once the dialog is accepted with Run Sweep."""

    def __init__(self, spec: ModelSpec, config: TrainingConfig, initial: Sweep | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.spec, self.config = spec, config
        self.targets = sweepable_targets(spec)
        self.checked: Sweep | None = None
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Setting or layer.parameter", "Values"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.itemChanged.connect(self._check)
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(lambda: self.add_row("learning_rate", EXAMPLE["learning_rate"]))
        remove.clicked.connect(self._remove_rows)
        self.search = QComboBox()
        self.search.addItems(SEARCHES)
        self.search.setToolTip("grid: every combination; random: values drawn at random; bayesian: each trial "
                               "chosen from the results so far (KerasTuner's Gaussian-process search)")
        self.trials = QSpinBox()
        self.trials.setRange(1, MAX_TRIALS)
        self.trials.setToolTip("How many runs at most (a grid stops at its number of combinations)")
        self.objective = QComboBox()
        self.objective.setEditable(True)
        self.objective.addItems(OBJECTIVES)
        self.objective.setToolTip("The metric the search tries to improve (lower for losses, higher otherwise)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Makes the random and Bayesian choices repeatable")
        for widget in (self.search, self.objective):
            widget.currentTextChanged.connect(self._check)
        for widget in (self.trials, self.seed):
            widget.valueChanged.connect(self._check)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        help_text = QLabel("Values: a list (<i>0.001, 0.01</i>; <i>adam, sgd</i>) or a range (<i>1e-4 .. 0.1 log</i>; "
                           "<i>0 .. 0.5 step 0.1</i>). Each trial is a normal run in the Runs table.")
        help_text.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Search:", self.search)
        form.addRow("Trials:", self.trials)
        form.addRow("Objective:", self.objective)
        form.addRow("Seed:", self.seed)
        rows = QHBoxLayout()
        rows.addWidget(add)
        rows.addWidget(remove)
        rows.addStretch(1)
        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton("Run Sweep", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        open_button = self.buttons.addButton("Open…", QDialogButtonBox.ButtonRole.ActionRole)
        save_button = self.buttons.addButton("Save…", QDialogButtonBox.ButtonRole.ActionRole)
        open_button.clicked.connect(self._open)
        save_button.clicked.connect(self._save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addWidget(self.table, 1)
        layout.addLayout(rows)
        layout.addLayout(form)
        layout.addWidget(self.verdict)
        layout.addWidget(self.buttons)
        self.resize(640, 460)
        self.show_sweep(initial or self._suggested())

    # ----- content ------------------------------------------------------------------------------------------
    def _suggested(self) -> Sweep:
        """A first sweep worth running: the learning rate, and the first layer width there is."""
        rows = [{"target": "learning_rate", "min": 1e-4, "max": 0.1, "scale": "log"}]
        width = next((t for t in self.targets if t.endswith((".units", ".filters"))), None)
        if width is not None:
            rows.append({"target": width, "values": [8, 16, 32, 64]})
        return Sweep.from_dict({"search": "random", "trials": 8, "objective": "val_loss", "parameters": rows})

    def show_sweep(self, sweep: Sweep) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for parameter in sweep.parameters:
            self.add_row(parameter.target, parameter_text(parameter), check=False)
        self.table.blockSignals(False)
        self.search.setCurrentText(sweep.search)
        self.trials.setValue(sweep.trials)
        self.objective.setCurrentText(sweep.objective)
        self.seed.setValue(sweep.seed)
        self._check()

    def add_row(self, target: str, values: str, check: bool = True) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        chooser = QComboBox()
        chooser.setEditable(True)
        chooser.addItems(self.targets)
        chooser.setCurrentText(target)
        chooser.currentTextChanged.connect(lambda text, c=chooser: self._target_changed(c, text))
        self.table.setCellWidget(row, 0, chooser)
        self.table.setItem(row, 1, QTableWidgetItem(values))
        if check:
            self._check()

    def _target_changed(self, chooser: QComboBox, target: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, 0) is chooser:
                example = EXAMPLE.get(target.rsplit(".", 1)[-1])
                if example:
                    self.table.item(row, 1).setText(example)
        self._check()

    def _remove_rows(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._check()

    def read(self) -> Sweep:
        """The sweep as written in the dialog; SweepError says what is wrong."""
        parameters = []
        for row in range(self.table.rowCount()):
            target = self.table.cellWidget(row, 0).currentText().strip()
            item = self.table.item(row, 1)
            parameters.append(parameter_from_text(target, item.text() if item else "").to_dict())
        return Sweep.from_dict({"search": self.search.currentText(), "trials": self.trials.value(),
                                "objective": self.objective.currentText().strip(), "seed": self.seed.value(),
                                "parameters": parameters})

    def _check(self, *_args) -> None:
        try:
            sweep = self.read()
            kinds = check_sweep(sweep, self.spec, self.config)
        except SweepError as error:
            self.checked = None
            self.verdict.setText(str(error))
            self.verdict.setStyleSheet(f"color: {ERROR}")
            self.run_button.setEnabled(False)
            return
        self.checked = sweep
        runs = min(sweep.trials, grid_size(sweep, kinds)) if sweep.search == "grid" else sweep.trials
        goal = "lowest" if sweep.direction == "min" else "highest"
        self.verdict.setText(f"{runs} run{'s' * (runs != 1)}, looking for the {goal} {sweep.objective}.")
        self.verdict.setStyleSheet("")
        self.run_button.setEnabled(True)

    def sweep(self) -> Sweep | None:
        return self.checked

    # ----- files --------------------------------------------------------------------------------------------
    @guarded
    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save Sweep", "sweep.json", "Sweep (*.json)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> None:
        try:
            sweep = self.read()
        except SweepError as error:
            self._say(f"Not saved: {error}")
            return
        try:
            path.write_text(json.dumps(sweep.to_dict(), indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            self._say(f"Could not write {path}: {error.strerror or error}")

    @guarded
    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Sweep", "", "Sweep (*.json)")
        if path:
            self.open(Path(path))

    def open(self, path: Path) -> None:  # noqa: A003 (the dialog's Open…)
        try:
            self.show_sweep(load_sweep(path))
        except SweepError as error:
            self._say(f"{path.name}: {error}")

    def _say(self, text: str) -> None:
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {ERROR}")

    def _slot_failed(self, message: str) -> None:
        self._say(message)

