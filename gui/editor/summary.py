"""The bottom dock "Model summary": Keras's `model.summary()` table, totals, and the list of problems.

It is a view over a `ValidationReport`: `show_report` swaps the table model's rows (one reset, no widgets
created), so it can follow every edit of a 200-layer model without lag. Clicks go out as node ids; the
editor decides what selecting means.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.slots import guarded
from models.building.summary import COLUMNS, SummaryRow, summary_rows, totals_text
from models.checks.validate import ValidationReport
from models.graph.spec import ModelSpec

log = logging.getLogger(__name__)

NAME, SHAPE, PARAMS, MACS, CONNECTED = range(len(COLUMNS))
NUMERIC = {PARAMS, MACS}
NODE_ROLE = Qt.ItemDataRole.UserRole  # the node id, on every cell and problem item


def status_colors(palette: QPalette) -> dict[str, QColor]:
    """Error red, warning amber and ok green, picked to stay readable on the palette's own base colour."""
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return {"error": QColor("#ff6b6b" if dark else "#c62828"),
            "warning": QColor("#ffb74d" if dark else "#a35f00"),
            "ok": QColor("#81c784" if dark else "#2e7d32")}


class SummaryTableModel(QAbstractTableModel):
    """Plain rows behind a QTableView: only visible cells are asked for, so long models stay cheap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SummaryRow] = []
        self.colors: dict[str, QColor] = {}
        self.icons: dict[str, QIcon] = {}

    def set_rows(self, rows: list[SummaryRow]) -> None:
        """The same layers in the same order (an edit of a parameter): only the rows that changed are
        announced, so the view repaints those and keeps its selection and scroll; else a reset."""
        if [row.node for row in rows] == [row.node for row in self.rows]:
            changed = [i for i, (old, new) in enumerate(zip(self.rows, rows, strict=True)) if old != new]
            self.rows = rows
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_style(self, colors: dict[str, QColor], icons: dict[str, QIcon]) -> None:
        """Palette or style changed: same rows, new colours."""
        self.colors, self.icons = colors, icons
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and row.severity:
            return self.colors.get(row.severity)
        if role == Qt.ItemDataRole.DecorationRole and column == NAME and row.severity:
            return self.icons.get(row.severity)
        if role == Qt.ItemDataRole.ToolTipRole and row.tooltip:
            return row.tooltip
        if role == NODE_ROLE:
            return row.node
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SummaryPanel(QWidget):
    """Signals: `problem_activated(node id)`, `node_activated(node id)`, `batch_size_changed(int)`."""

    problem_activated = Signal(str)
    node_activated = Signal(str)
    batch_size_changed = Signal(int)
    _ready = False  # Qt may send change events before __init__ has made the views

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: ValidationReport | None = None
        self._just_emitted: set[tuple[str, int]] = set()
        self.model = SummaryTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)  # fitting columns measures <= 200 rows
        for column in (NAME, SHAPE, PARAMS, MACS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(self._on_table_index)
        self.table.activated.connect(self._on_table_index)

        self.totals_label = QLabel("No model yet")
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals_label.setWordWrap(True)
        self.batch_spin = QSpinBox(minimum=1, maximum=65536, value=32)
        self.batch_spin.setToolTip("Samples per batch, for the activation memory estimate")
        self.batch_spin.valueChanged.connect(self._on_batch_changed)
        batch_label = QLabel("Batch size")
        batch_label.setBuddy(self.batch_spin)
        totals = QHBoxLayout()
        totals.addWidget(self.totals_label, 1)
        totals.addWidget(batch_label)
        totals.addWidget(self.batch_spin)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(totals)

        self.problems_header = QLabel("No problems")
        font = self.problems_header.font()
        font.setBold(True)
        self.problems_header.setFont(font)
        self.problems_list = QListWidget()
        self.problems_list.setWordWrap(True)
        self.problems_list.setAlternatingRowColors(True)
        self.problems_list.clicked.connect(self._on_problem_index)
        self.problems_list.activated.connect(self._on_problem_index)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.problems_header)
        right_layout.addWidget(self.problems_list, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self._ready = True
        self._apply_style()

    # ----- public ---------------------------------------------------------------------------------------
    @property
    def batch_size(self) -> int:
        return self.batch_spin.value()

    def set_batch_size(self, batch_size: int) -> None:
        """Restore a saved batch size without echoing it back as a user change."""
        blocked = self.batch_spin.blockSignals(True)
        try:  # a project file may ask for any number: the estimate shows the nearest the box can hold
            self.batch_spin.setValue(min(max(int(batch_size), self.batch_spin.minimum()), self.batch_spin.maximum()))
        finally:
            self.batch_spin.blockSignals(blocked)
        self._refresh_totals()

    @guarded
    def show_report(self, spec: ModelSpec, report: ValidationReport) -> None:
        """Called after every validation, so it only swaps data; the selected layer survives the reset."""
        self._report = report
        selected = {self.model.rows[i.row()].node for i in self.table.selectionModel().selectedRows()}
        self.model.set_rows(summary_rows(spec, report))
        branches = _has_branches(spec)
        self.table.setColumnHidden(CONNECTED, not branches)
        self.table.horizontalHeader().setStretchLastSection(branches)  # never stretch MACs into a gap
        for row, entry in enumerate(self.model.rows):
            if entry.node in selected:
                self.table.selectRow(row)
        self._refresh_totals()
        self._fill_problems(report)

    # ----- filling --------------------------------------------------------------------------------------
    def _refresh_totals(self) -> None:
        if self._report is not None:
            self.totals_label.setText(totals_text(self._report, self.batch_spin.value()))

    def _fill_problems(self, report: ValidationReport) -> None:
        problems = report.problems
        self.problems_list.clear()
        icons = self._icons()
        for problem in problems:
            item = QListWidgetItem(icons.get(problem.severity, icons["error"]), problem.message)
            item.setData(NODE_ROLE, problem.node)
            fixes = "\n".join(f"Fix: {fix.label}" for fix in problem.fixes)
            item.setToolTip(f"{problem.message}\n{fixes}" if fixes else problem.message)
            self.problems_list.addItem(item)
        count = len(problems)
        self.problems_header.setText("No problems" if not count else f"{count} problem{'s' * (count != 1)}")
        self._color_header()

    def _color_header(self) -> None:
        colors = status_colors(self.palette())
        problems = self._report.problems if self._report is not None else []
        key = ("error" if any(p.severity == "error" for p in problems) else "warning") if problems else "ok"
        palette = self.problems_header.palette()
        palette.setColor(QPalette.ColorRole.WindowText, colors[key])
        self.problems_header.setPalette(palette)

    def _icons(self) -> dict[str, QIcon]:
        style = self.style()
        return {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)}

    def _apply_style(self) -> None:
        self.model.set_style(status_colors(self.palette()), self._icons())
        self._color_header()

    # ----- slots ----------------------------------------------------------------------------------------
    @guarded
    def _on_batch_changed(self, value: int) -> None:
        self._refresh_totals()
        self.batch_size_changed.emit(value)

    @guarded
    def _on_table_index(self, index: QModelIndex) -> None:
        node = self.model.data(index, NODE_ROLE)
        if node and self._first_time(("table", index.row())):
            self.node_activated.emit(node)

    @guarded
    def _on_problem_index(self, index: QModelIndex) -> None:
        node = index.data(NODE_ROLE)
        if node and self._first_time(("problem", index.row())):
            self.problem_activated.emit(node)

    def _first_time(self, key: tuple[str, int]) -> bool:
        """Styles that activate on a single click send `clicked` and `activated` for one click: emit once."""
        if key in self._just_emitted:
            return False
        if not self._just_emitted:
            QTimer.singleShot(0, self, self._just_emitted.clear)
        self._just_emitted.add(key)
        return True

    @guarded
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if self._ready and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._apply_style()
            if self._report is not None:
                self._fill_problems(self._report)


def _has_branches(spec: ModelSpec) -> bool:
    """"Connected to" only says something when a layer merges or forks; in a plain stack it is noise."""
    sources = [source for node in spec.nodes.values() for source in node.inputs]
    return len(sources) != len(set(sources)) or any(len(node.inputs) > 1 for node in spec.nodes.values())


def _main() -> None:  # pragma: no cover (a quick look: python -m gui.editor.summary)
    import sys

    from PySide6.QtWidgets import QApplication

    from models.checks.validate import validate
    from models.templates import load_template

    logging.basicConfig(level=logging.INFO)
    app = QApplication(sys.argv)
    spec = load_template("resnet").spec
    panel = SummaryPanel()
    panel.setWindowTitle("Model summary")
    panel.problem_activated.connect(lambda node: log.info("problem at %s", node))
    panel.node_activated.connect(lambda node: log.info("layer %s", node))
    panel.batch_size_changed.connect(lambda size: log.info("batch size %d", size))
    panel.show_report(spec, validate(spec))
    panel.resize(1100, 360)
    panel.show()
    sys.exit(app.exec())


if __name__ == "__main__":  # pragma: no cover
    _main()
