"""The project's training runs: a table, what changed between two selected runs, their curves overlaid, and
the latest run's evaluation (confusion matrix, per-class precision and recall)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.colors import ERROR
from models.training.runs import diff_runs
from models.training.trainer import FAILED

COLUMNS = ("run", "started", "status", "epochs", "loss", "val_loss", "val_accuracy", "duration", "device")


class RunsView(QWidget):
    """Emits `overlay_requested(list of run indices)`."""

    overlay_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[dict[str, Any]] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_diff)
        self.overlay_button = QPushButton("Overlay Selected Runs")
        self.overlay_button.clicked.connect(lambda: self.overlay_requested.emit(self.selected_rows()))
        self.diff = QLabel("Select two runs to see what changed between them.")
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
        left_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.overlay_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def show_runs(self, runs: list[dict[str, Any]], evaluation: dict[str, Any] | None = None) -> None:
        self.runs = runs
        self.table.setRowCount(len(runs))
        for row, record in enumerate(runs):
            final = record.get("final", {})
            values = (record.get("id", ""), record.get("started", ""), record.get("status", ""),
                      str(record.get("epochs_done", "")), _num(final.get("loss")), _num(final.get("val_loss")),
                      _num(final.get("val_accuracy")), f"{record.get('duration_s', 0):.1f} s", record.get("device", ""))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if COLUMNS[column] == "status" and value in FAILED:  # a broken run stands out, and says why
                    item.setForeground(QColor(ERROR))
                    item.setToolTip(record.get("message", ""))
                self.table.setItem(row, column, item)
        self.show_evaluation(evaluation if evaluation is not None else (runs[-1].get("evaluation") if runs else {}))

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectedIndexes()})

    def _show_diff(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 2:
            self.diff.setText("Select two runs to see what changed between them.")
            return
        a, b = self.runs[rows[0]], self.runs[rows[1]]
        lines = diff_runs(a, b) or ["nothing: same settings, data and model"]
        items = "".join(f"<li>{line}</li>" for line in lines)
        self.diff.setText(f"<b>From {a['id']} to {b['id']}:</b><ul style='margin:0'>{items}</ul>")

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


def _num(value) -> str:
    return "" if value is None else f"{value:.4g}"
