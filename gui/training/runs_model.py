"""The Runs table as a Qt model: one row per run (and per repeat group), sortable by value, filterable by any
text in a row, with a check box per row that chooses which runs the curves overlay."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont

from gui.widgets.colors import ERROR
from models.training.run_table import (
    STATUS_TEXT,
    RunRow,
    format_metric,
    metric_names,
    setting_differences,
    table_rows,
)
from models.training.trainer import FAILED

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the run (or group) id of a row
FIXED = ("plot", "name", "status", "params", "duration", "device", "seed", "started")
Index = QModelIndex | QPersistentModelIndex


class RunsTableModel(QAbstractTableModel):
    """Signals: `renamed(run id, new name)` when a name is edited in place, `plotted_changed(ids)` when a
    row's Plot box is ticked or cleared (the view passes both on; the document records the rename)."""

    renamed = Signal(str, str)
    plotted_changed = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.records: list[dict[str, Any]] = []
        self.rows: list[RunRow] = []
        self.metrics: list[str] = []
        self.columns: list[str] = list(FIXED)
        self.reference: dict[str, Any] | None = None  # the run the "differs" column compares with
        self.plotted: set[str] = set()
        self._by_id: dict[str, dict[str, Any]] = {}
        self._differs: dict[str, str] = {}

    # ----- content ------------------------------------------------------------------------------------
    def set_runs(self, records: list[dict[str, Any]], params_of=None) -> None:
        self.beginResetModel()
        self.records = [r for r in records if isinstance(r, dict)]
        self._by_id = {str(r.get("id", "")): r for r in self.records}
        self.rows = table_rows(self.records, params_of)
        self.metrics = metric_names(self.records)
        self.columns = [*FIXED, *self.metrics, *(f"best {m}" for m in self.metrics), "differs from selected"]
        ids = {row.id for row in self.rows}
        self.plotted &= ids
        if self.reference is not None and str(self.reference.get("id")) not in self._by_id:
            self.reference = None
        self._differs = self._compute_differs()
        self.endResetModel()

    def set_reference(self, run_id: str | None) -> None:
        """Compare every run's settings with this run's (the one selected in the table)."""
        reference = self._by_id.get(run_id or "")
        if reference is self.reference:
            return
        self.reference = reference
        self._differs = self._compute_differs()
        column = self.columns.index("differs from selected")
        if self.rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def _compute_differs(self) -> dict[str, str]:
        if self.reference is None:
            return {}
        return {row.id: setting_differences(self._by_id[row.id], self.reference)
                for row in self.rows if row.id in self._by_id}

    def record(self, run_id: str) -> dict[str, Any] | None:
        return self._by_id.get(run_id)

    def row_of(self, run_id: str) -> RunRow | None:
        return next((row for row in self.rows if row.id == run_id), None)

    def set_plotted(self, ids: set[str]) -> None:
        self.plotted = {row.id for row in self.rows if row.id in ids}
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0), [Qt.ItemDataRole.CheckStateRole])
        self.plotted_changed.emit(self.plotted_ids())

    def plotted_ids(self) -> list[str]:
        """Ticked rows in table order."""
        return [row.id for row in self.rows if row.id in self.plotted]

    # ----- QAbstractTableModel ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt override)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(self.columns[section].split(" ")[0])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = self.columns[index.column()]
        if column == "plot":
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        elif column == "name" and not self.rows[index.row()].members:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if column == "plot" and role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            (self.plotted.add if checked else self.plotted.discard)(row.id)
            self.dataChanged.emit(index, index, [role])
            self.plotted_changed.emit(self.plotted_ids())
            return True
        if column == "name" and role == Qt.ItemDataRole.EditRole:
            name = str(value).strip()
            if name and name != row.name:
                self.renamed.emit(row.id, name[:200])  # the document records it; the table is redrawn from it
            return True
        return False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if role == ID_ROLE:
            return row.id
        if column == "plot":
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if row.id in self.plotted else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == "status" and row.status in FAILED:
            return QColor(ERROR)  # a broken run stands out
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.FontRole and row.members:
            font = QFont()
            font.setBold(True)  # a group's summary row
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in ("name", "status", "device", "started",
                                                                         "differs from selected"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: RunRow, column: str) -> str:
        record = self._by_id.get(row.id, {})
        if column == "name":
            return row.name
        if column == "status":
            return STATUS_TEXT.get(row.status, row.status)
        if column == "params":
            return "" if row.params is None else f"{row.params:,}"
        if column == "duration":
            return f"{row.duration_s:.1f} s"
        if column == "device":
            return row.device
        if column == "seed":
            return "" if row.seed is None else (f"{row.seed}..{row.seed + len(row.members) - 1}" if row.members
                                                else str(row.seed))
        if column == "started":
            return str(record.get("started", ""))
        if column == "differs from selected":
            return self._differs.get(row.id, "")
        if column.startswith("best "):
            return format_metric(row.best.get(column[5:]))
        return format_metric(row.final.get(column), row.spread.get(column) if row.members else None)

    def sort_value(self, row_index: int, column_index: int) -> Any:
        """A cell's value for sorting: numbers as numbers (a missing metric last), names naturally (run-10
        after run-9)."""
        row, column = self.rows[row_index], self.columns[column_index]
        if column == "plot":
            return int(row.id in self.plotted)
        if column == "params":
            return -1 if row.params is None else row.params
        if column == "duration":
            return row.duration_s
        if column == "seed":
            return -1 if row.seed is None else row.seed
        if column in self.metrics or column.startswith("best "):
            value = row.best.get(column[5:]) if column.startswith("best ") else row.final.get(column)
            return float("inf") if value is None else value  # a missing value sorts last
        if column == "name":
            return _natural(row.name)
        return self._text(row, column)

    def _tooltip(self, row: RunRow, column: str) -> str | None:
        record = self._by_id.get(row.id, {})
        if column == "status" and record.get("message"):
            return str(record["message"])
        if column == "name":
            return (f"Runs {', '.join(row.members)}: the same model and settings, one seed each" if row.members
                    else f"{row.id} — double-click to rename")
        if column == "differs from selected" and self._differs.get(row.id):
            return self._differs[row.id]
        return None


class RunsFilter(QSortFilterProxyModel):
    """Keeps the rows whose text (any column) contains every word typed in the filter box."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 (Qt override)
        if not self.words:
            return True
        model: RunsTableModel = self.sourceModel()
        row = model.rows[source_row]
        text = " ".join(model._text(row, column) for column in model.columns[1:]).lower()
        if row.group:
            text += f" {row.group.lower()}"
        return all(word in text for word in self.words)


    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 (Qt override)
        model: RunsTableModel = self.sourceModel()
        a, b = model.sort_value(left.row(), left.column()), model.sort_value(right.row(), right.column())
        try:
            return a < b
        except TypeError:  # text against a number: compare as text
            return str(a) < str(b)


def _natural(text: str) -> tuple:
    """'run-10' after 'run-9'."""
    import re

    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))


_HEADER_TIPS = {
    "plot": "Tick to draw this run's curves over the current ones (Train ▸ Curves)",
    "name": "The run's name (double-click to rename); repeat groups in bold show mean ± std over their seeds",
    "status": "completed, stopped (by you), diverged, nan (the loss became NaN) or error",
    "params": "The model's parameter count when the run trained",
    "best": "The best epoch's value: the lowest loss, the highest accuracy",
    "differs": "The training settings, data and model in which this run differs from the selected one",
    "seed": "The seed of weight initialisation and shuffling",
}
