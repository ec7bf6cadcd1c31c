"""Comparing the canvas's architecture with another run's: cards added since that run are outlined green,
changed ones orange with the change written above them, and a bar at the top of the canvas names the run,
counts the differences and lists the layers it had that the canvas no longer has."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from models.graph.diff import ArchitectureDiff, architecture_diff
from models.graph.project import ProjectError, model_from_dict
from models.graph.spec import ModelSpec


class CanvasComparison:
    """Owned by the canvas; `refresh()` after every change of the model keeps the marks true."""

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.other: ModelSpec | None = None
        self.label = ""
        self.diff: ArchitectureDiff | None = None
        self.bar = QWidget(canvas.viewport())
        self.bar.setObjectName("compareBar")
        self.bar.setAutoFillBackground(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QPushButton("Stop Comparing")
        self.close_button.clicked.connect(self.stop)
        layout = QHBoxLayout(self.bar)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.close_button)
        self.bar.hide()

    def compare_with(self, label: str, model: dict) -> bool:
        """Compare with a run's kept architecture (its `model` record); False when that cannot be read."""
        try:
            other = model_from_dict(model)
        except ProjectError:
            return False
        self.start(label, other)
        return True

    def start(self, label: str, other: ModelSpec) -> None:
        """Compare with `other` (a run's architecture), named `label` in the bar."""
        self.other, self.label = other, label
        self.refresh()

    def stop(self) -> None:
        self.other, self.diff = None, None
        for item in self.canvas.nodes.values():
            item.set_diff(None)
        self.bar.hide()

    def refresh(self) -> None:
        if self.other is None:
            return
        self.diff = architecture_diff(self.other, self.canvas.document.spec)
        for node_id, item in self.canvas.nodes.items():
            status = self.diff.status(node_id)
            item.set_diff(None if status is None else (status, self.diff.changed.get(node_id, [])))
        added = f"<span style='color:#2e7d32'><b>{len(self.diff.added)} added</b></span>"
        changed = f"<span style='color:#ef6c00'><b>{len(self.diff.changed)} changed</b></span>"
        removed = ", ".join(f"{i} ({t})" for i, t in self.diff.removed.items()) or "none"
        verdict = "the same architecture" if self.diff.same else f"{added}, {changed}; removed: {removed}"
        self.text.setText(f"Compared with <b>{self.label}</b>: {verdict}")
        self.bar.show()
        self.place()

    def place(self) -> None:
        """Across the top of the canvas (after a resize too)."""
        if self.bar.isVisible():
            width = self.canvas.viewport().width()
            self.bar.setFixedWidth(width)
            self.bar.adjustSize()
            self.bar.move(0, 0)
