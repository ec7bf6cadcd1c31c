"""The project's training runs: a table, what changed between two selected runs, their curves overlaid, and
the latest run's evaluation (confusion matrix, per-class precision and recall)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.training.runs_model import ID_ROLE, RunsFilter, RunsTableModel
from models.training.run_table import recorded_params, run_name
from models.training.runs import diff_runs

NO_DIFF = "Select one run to compare every other run's settings with it; select two to see what changed between them."


class RunsView(QWidget):
    """The runs table (sortable, filterable, names editable in place), what changed between two selected runs,
    and the latest run's evaluation. Emits `overlay_requested(run ids)` when the ticked runs change,
    `curves_requested()` to show them,
    `rename_requested(run id, name)` and `delete_requested(run ids)`: the document makes them undoable."""

    overlay_requested = Signal(list)
    curves_requested = Signal()
    compare_requested = Signal(str)
    rename_requested = Signal(str, str)
    delete_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[dict[str, Any]] = []
        self.model = RunsTableModel(self)
        self.model.renamed.connect(self.rename_requested)
        self.model.plotted_changed.connect(self.overlay_requested)
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the order they ran in, until a header is clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # 200 runs: compact rows
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.delete_action = QAction("Delete Runs", self.table)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self._delete_selected)
        self.plot_action = QAction("Plot Selected Runs", self.table)
        self.plot_action.triggered.connect(self.plot_selected)
        self.compare_action = QAction("Compare Architecture on the Canvas", self.table)
        self.compare_action.setToolTip("Mark on the canvas what was added, removed and changed since this run")
        self.compare_action.triggered.connect(self._compare_selected)
        self.table.addActions([self.plot_action, self.compare_action, self.delete_action])
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: words in any column (name, status, settings...)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.filter.textChanged.connect(self._show_count)
        self.count_label = QLabel("")
        self.plot_button = QPushButton("Plot Selected")
        self.plot_button.setToolTip("Draw the selected runs' curves over the current ones (or tick their Plot box)")
        self.plot_button.clicked.connect(self.plot_selected)
        self.clear_plot_button = QPushButton("Clear Plotted")
        self.clear_plot_button.clicked.connect(lambda: self.model.set_plotted(set()))
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove the selected runs from the project (Edit ▸ Undo brings them back)")
        self.delete_button.clicked.connect(self._delete_selected)
        self.diff = QLabel(NO_DIFF)
        self.diff.setWordWrap(True)
        self.diff.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.evaluation = QTableWidget(0, 0)
        self.evaluation.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.evaluation_label = QLabel("")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.diff)
        right_layout.addWidget(self.evaluation_label)
        right_layout.addWidget(self.evaluation, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()  # one row above the table: a short docked panel still shows runs
        controls.addWidget(self.filter, 1)
        for widget in (self.plot_button, self.clear_plot_button, self.delete_button, self.count_label):
            controls.addWidget(widget)
        left_layout.addLayout(controls)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([750, 250])  # the table first: the evaluation is a glance
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._sized = False

    def show_runs(self, runs: list[dict[str, Any]], evaluation: dict[str, Any] | None = None) -> None:
        selected = self.selected_ids()
        self.runs = runs
        self.model.set_runs(runs, recorded_params)
        if not self._sized and self.model.rows:  # fit the columns to the first runs, then leave them to the user
            self._sized = True
            self.table.resizeColumnsToContents()
        self.select_ids(selected)
        self._show_count()
        self.show_evaluation(evaluation if evaluation is not None else (runs[-1].get("evaluation") if runs else {}))

    def _show_count(self) -> None:
        total, shown = len(self.runs), self.proxy.rowCount()
        self.count_label.setText(f"{total} run{'s' * (total != 1)}" if shown == self.model.rowCount()
                                 else f"{shown} of {self.model.rowCount()} rows shown")

    # ----- selection --------------------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """The selected rows' run (or group) ids, in the order shown."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(row, 0).data(ID_ROLE) for row in rows]

    def select_ids(self, ids: list[str]) -> None:
        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ID_ROLE) in ids:
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def selected_records(self) -> list[dict[str, Any]]:
        """The selected runs; a selected group stands for its runs."""
        records = []
        for run_id in self.selected_ids():
            row = self.model.row_of(run_id)
            for member in (row.members if row and row.members else (run_id,)):
                record = self.model.record(member)
                if record is not None and all(record is not r for r in records):
                    records.append(record)
        return records

    def plot_selected(self) -> None:
        """Tick the selected runs' Plot boxes and show the curves."""
        self.model.set_plotted(self.model.plotted | set(self.selected_ids()))
        self.curves_requested.emit()

    def _compare_selected(self) -> None:
        records = self.selected_records()
        if records:
            self.compare_requested.emit(str(records[0].get("id")))

    def _delete_selected(self) -> None:
        ids = [str(record.get("id")) for record in self.selected_records()]
        if ids:
            self.delete_requested.emit(ids)

    def _selection_changed(self, *_args) -> None:
        ids = self.selected_ids()
        self.model.set_reference(ids[0] if len(ids) == 1 else None)
        self._show_diff()

    def _show_diff(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1 and self.model.record(ids[0]) is not None:
            self.diff.setText(f"The column <b>differs from selected</b> now compares every run's settings with "
                              f"{html.escape(run_name(self.model.record(ids[0])))}. Right-click ▸ Compare "
                              "Architecture on the Canvas marks what changed in the model since.")
            return
        if len(ids) != 2 or any(self.model.record(i) is None for i in ids):
            self.diff.setText(NO_DIFF)
            return
        a, b = (self.model.record(i) for i in ids)
        lines = diff_runs(a, b) or ["nothing: same settings, data and model"]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.diff.setText(f"<b>From {html.escape(run_name(a))} to {html.escape(run_name(b))}:</b>"
                          f"<ul style='margin:0'>{items}</ul>")

    def show_evaluation(self, evaluation: dict[str, Any] | None) -> None:
        if not evaluation or "confusion_matrix" not in evaluation:
            self.evaluation.setRowCount(0)
            self.evaluation.setColumnCount(0)
            self.evaluation_label.setText("")
            return
        names = evaluation["class_names"]
        matrix = evaluation["confusion_matrix"]
        self.evaluation_label.setText(f"Last run on the {evaluation['split']} data: accuracy "
                                      f"{evaluation['accuracy']:.1%}. Rows: true class; columns: predicted.")
        self.evaluation.setRowCount(len(names))
        self.evaluation.setColumnCount(len(names) + 2)
        self.evaluation.setHorizontalHeaderLabels([*names, "precision", "recall"])
        self.evaluation.setVerticalHeaderLabels(names)
        for row, counts in enumerate(matrix):
            for column, count in enumerate(counts):
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row == column:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.evaluation.setItem(row, column, item)
            self.evaluation.setItem(row, len(names), QTableWidgetItem(f"{evaluation['precision'][row]:.2f}"))
            self.evaluation.setItem(row, len(names) + 1, QTableWidgetItem(f"{evaluation['recall'][row]:.2f}"))

