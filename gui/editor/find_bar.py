"""Ctrl+F on the canvas: find a layer by its name or its type in a big graph (NASNet has 771). Enter goes to the
next match (selected, brought into view, its form in the inspector); Escape closes the bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from models.graph.spec import ModelSpec


def matches(spec: ModelSpec, text: str) -> list[str]:
    """Layer ids whose name or type contains `text` (case ignored), in graph order."""
    wanted = text.strip().lower()
    if not wanted:
        return []
    return [node_id for node_id in spec.topological_order()
            if wanted in node_id.lower() or wanted in spec.nodes[node_id].type.lower()]


class FindBar(QLineEdit):
    """Signals: `found(layer id, number, total)` for each match it goes to, `not_found(text)`."""

    found = Signal(str, int, int)
    not_found = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Find a layer by name or type (Enter: next)")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(280)
        self.spec = ModelSpec()
        self.last: str | None = None
        self.returnPressed.connect(self.next_match)
        self.hide()

    def open(self, spec: ModelSpec) -> None:
        """Show the bar for `spec`, with its names and types to complete from."""
        self.spec = spec
        names = sorted({*spec.nodes, *(node.type for node in spec.nodes.values())})
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)
        self.show()
        self.raise_()
        self.setFocus()
        self.selectAll()

    def next_match(self) -> None:
        found = matches(self.spec, self.text())
        if not found:
            self.not_found.emit(self.text())
            return
        index = (found.index(self.last) + 1) % len(found) if self.last in found else 0
        self.last = found[index]
        self.found.emit(self.last, index + 1, len(found))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)
