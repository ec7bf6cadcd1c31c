"""Explain This Unit: the arithmetic behind one value, with the real numbers — a convolution's input patch, kernel
and products (one input channel at a time, each channel's share listed), a Dense unit's largest contributions and
a softmax's logits, a pooling window and its winner — and Keras's own value beside the recomputed one."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.inspection.unit_arithmetic import UnitArithmetic

TOP_ROWS = 12


def number(value: float) -> str:
    return f"{value:.4g}"


def grid_table(values: np.ndarray, title: str, highlight: tuple[int, ...] | None = None) -> QWidget:
    """A 2-D array as a small table of numbers, tinted by sign (blue negative, red positive)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
    table = QTableWidget(*values.shape)
    table.setObjectName(title)
    bound = float(np.abs(values).max()) or 1.0
    for (row, column), value in np.ndenumerate(values):
        item = QTableWidgetItem(f"{float(value):.3g}")  # short: a 5x5 grid fits; the sum above is exact
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        strength = int(120 * min(abs(float(value)) / bound, 1.0))
        tint = QColor(255, 255 - strength, 255 - strength) if value > 0 else QColor(255 - strength, 255 - strength, 255)
        item.setBackground(QBrush(tint))
        item.setForeground(QBrush(QColor(0, 0, 0)))
        if highlight is not None and (row, column) == tuple(highlight):
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        table.setItem(row, column, item)
    table.resizeColumnsToContents()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    layout.addWidget(table)
    return box


def rows_table(header: list[str], rows: list[list[str]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(header))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(header)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    return table


class ExplainDialog(QDialog):
    """Shows one UnitArithmetic; a new one replaces the contents (the dialog stays where the user put it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Explain This Unit")
        self.setModal(False)
        self.resize(1060, 520)
        self.unit: UnitArithmetic | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = QWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.body, 1)

    def show_unit(self, unit: UnitArithmetic) -> None:
        self.unit = unit
        where = (f"row {unit.position[0]}, column {unit.position[1]}, channel {unit.position[2]}"
                 if len(unit.position) == 3 else f"unit {unit.position[0]}")
        activation = "" if unit.activation in ("linear", "MaxPooling2D", "AveragePooling2D") else unit.activation
        if unit.kind == "pooling":
            how = "the largest value of the window" if unit.activation == "MaxPooling2D" else "the mean of the window"
            formula = f"{how} = {number(unit.value)}"
        elif unit.activation == "softmax":
            formula = (f"Σ inputs × weights = {number(unit.total)}, + bias {number(unit.bias)} = logit "
                       f"{number(unit.pre_activation)}; softmax over all {len(unit.logits)} logits = "
                       f"{number(unit.value)}")
        else:
            what = "patch × kernel" if unit.kind == "conv" else "inputs × weights"
            formula = (f"Σ {what} = {number(unit.total)}, + bias {number(unit.bias)} = {number(unit.pre_activation)}"
                       + (f", {activation} → {number(unit.value)}" if activation else ""))
        self.summary.setText(f"<b>{html.escape(unit.layer)}</b>, {where}: {html.escape(formula)}. "
                             f"Keras computed {number(unit.keras_value)}.")
        old = self.body.layout()
        if old is not None:  # the previous unit's tables go
            QWidget().setLayout(old)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        if unit.kind == "conv":
            self._conv(layout, unit)
        elif unit.kind == "dense":
            self._dense(layout, unit)
        else:
            row = QHBoxLayout()
            row.addWidget(grid_table(unit.patch, "window", unit.winner))
            row.addStretch(1)
            layout.addLayout(row)
        self.show()
        self.raise_()

    def _conv(self, layout: QVBoxLayout, unit: UnitArithmetic) -> None:
        channels = unit.patch.shape[-1]
        shares = unit.terms.reshape(-1, channels).sum(axis=0)
        self.channel_combo = QComboBox()
        for channel in range(channels):
            self.channel_combo.addItem(f"input channel {channel}: Σ products {number(float(shares[channel]))}",
                                       channel)
        order = int(np.argmax(np.abs(shares)))
        self.channel_combo.setCurrentIndex(order)
        grids = QHBoxLayout()
        self.grids = grids
        layout.addWidget(self.channel_combo)
        layout.addLayout(grids)
        self.channel_combo.currentIndexChanged.connect(lambda _i: self._show_channel(unit))
        self._show_channel(unit)

    def _show_channel(self, unit: UnitArithmetic) -> None:
        while self.grids.count():
            widget = self.grids.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        channel = int(self.channel_combo.currentData())
        for values, title in ((unit.patch[..., channel], "input patch"), (unit.kernel[..., channel], "kernel"),
                              (unit.terms[..., channel], "products")):
            self.grids.addWidget(grid_table(values, title))

    def _dense(self, layout: QVBoxLayout, unit: UnitArithmetic) -> None:
        shown = unit.top[:TOP_ROWS]
        rows = [[str(i), number(float(unit.inputs[i])), number(float(unit.weights[i])), number(float(unit.terms[i]))]
                for i in shown]
        rest = [i for i in unit.top[TOP_ROWS:]]
        if rest:
            rows.append([f"the other {len(rest)}", "", "", number(float(unit.terms[rest].sum()))])
        layout.addWidget(QLabel("<b>Largest contributions</b> (input × weight)"))
        layout.addWidget(rows_table(["input", "value", "weight", "product"], rows, "contributions"))
        if unit.logits is not None:
            total = float(unit.exponentials.sum())
            softmax = [[str(k), number(float(logit)), number(float(e)), number(float(e) / total)]
                       for k, (logit, e) in enumerate(zip(unit.logits, unit.exponentials, strict=True))]
            layout.addWidget(QLabel("<b>Softmax</b>: exp(logit − largest logit), each one's share of the sum"))
            layout.addWidget(rows_table(["unit", "logit", "exp", "probability"], softmax, "softmax"))
