"""File -> New: pick a starting model, with a live preview of its graph, description and size."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.document import ProjectDocument
from gui.editor.canvas import CanvasView
from models.checks.validate import validate
from models.graph.project import Project
from models.templates import load_template, template_names

EMPTY = "empty"


def create_buttons(dialog: QDialog) -> QDialogButtonBox:
    """Create and Cancel, wired to accept and reject: the row of every New dialog."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _describe(project: Project) -> str:
    report = validate(project.spec)
    return (f"<h3>{project.name}</h3><p>{project.description}</p>"
            f"<p><b>{len(project.spec)}</b> layers · <b>{report.total_params:,}</b> parameters · "
            f"dataset: <i>{project.dataset.get('source', '—')}</i></p>")


class TemplateDialog(QDialog):
    """A list of templates on the left; the chosen one's graph (a read-only canvas) and text on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Project")
        self.resize(860, 560)
        self.projects: dict[str, Project] = {EMPTY: Project(name="Empty model",
                                                            description="Start from an empty canvas.")}
        for name in template_names():
            self.projects[name] = load_template(name)
        self.list = QListWidget()
        self.list.setMaximumWidth(230)
        for key, project in self.projects.items():
            item = QListWidgetItem(project.name)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.list.addItem(item)
        self.preview_document = ProjectDocument(Project(), self)
        self.preview = CanvasView(self.preview_document, empty_hint="An empty canvas")
        self.preview.setInteractive(False)
        self.preview.setAcceptDrops(False)
        # Read, not fitted: a long model shows its top cards at a readable size and scrolls down, never sideways.
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.preview.setMinimumWidth(360)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        right = QVBoxLayout()
        right.addWidget(self.text)
        right.addWidget(self.preview, 1)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(right, 1)
        buttons = create_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.setCurrentRow(1 if self.list.count() > 1 else 0)

    def chosen_key(self) -> str:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else EMPTY

    def chosen_project(self) -> Project:
        """A fresh copy, so the dialog's preview and the new project never share objects."""
        return Project.from_dict(self.projects[self.chosen_key()].to_dict())

    def _show(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        project = self.projects[item.data(Qt.ItemDataRole.UserRole)]
        self.text.setText(_describe(project))
        self.preview_document.replace(Project.from_dict(project.to_dict()), None)
        self.preview.show_model()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.preview.show_model()


def choose_template(parent: QWidget | None = None) -> Project | None:
    dialog = TemplateDialog(parent)
    try:
        return dialog.chosen_project() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
