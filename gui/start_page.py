"""The start page over an empty canvas: the templates with what each one teaches, the recent projects, the user
guide's first-model walkthrough, and room to drop the first layer. It hides as soon as the model has a layer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.editor.palette import LAYER_MIME
from gui.widgets.colors import muted_style
from models.templates import load_template, template_names

PATH_ROLE = Qt.ItemDataRole.UserRole


class StartPage(QFrame):
    """Signals: `template_chosen(name)`, `recent_chosen(path)`, `guide_requested()`, `open_requested()`,
    `import_requested()` (open a Keras model), `application_requested()` (a Keras Applications network),
    `layer_dropped(type name)` (a palette layer dropped here starts the
    model), `lesson_chosen(name)`."""

    template_chosen = Signal(str)
    recent_chosen = Signal(str)
    guide_requested = Signal()
    open_requested = Signal()
    import_requested = Signal()
    application_requested = Signal()
    layer_dropped = Signal(str)
    lesson_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAcceptDrops(True)
        title = QLabel("<h2>Start a model</h2>")
        hint = QLabel("Drag an <b>Input</b> from the Layers palette and drop it here, then the layers below it; "
                      "or begin from a template, each a classic network that teaches one idea.")
        hint.setWordWrap(True)
        self.templates = QListWidget()
        for name in template_names():
            project = load_template(name)
            item = QListWidgetItem(project.name)
            item.setData(PATH_ROLE, name)
            item.setToolTip(project.description)
            self.templates.addItem(item)
        # a click shows what a template teaches; a double-click or Enter opens it
        self.templates.itemActivated.connect(lambda item: self._chosen(item, self.template_chosen))
        self.templates.currentItemChanged.connect(self._describe)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(muted_style())
        self.lessons = QListWidget()
        self.lessons.setObjectName("start_lessons")
        self.lessons.itemActivated.connect(lambda item: self._chosen(item, self.lesson_chosen))
        self.lessons.currentItemChanged.connect(self._describe)
        self.recent = QListWidget()
        self.recent.itemActivated.connect(lambda item: self._chosen(item, self.recent_chosen))
        guide = QPushButton("Your first model in five steps…")
        guide.clicked.connect(self.guide_requested)
        open_button = QPushButton("Open a Project…")
        open_button.clicked.connect(self.open_requested)
        self.import_button = QPushButton("Open a Keras Model…")
        self.import_button.setToolTip("A .keras or .h5 model file with its weights: see what it makes of an image, "
                                      "train it further, or export it")
        self.import_button.clicked.connect(self.import_requested)
        self.application_button = QPushButton("A Known Network (ResNet, MobileNet…)…")
        self.application_button.setToolTip("A network Keras ships, with the weights it learned on ImageNet: see what "
                                           "it makes of a photo, or retrain its head on your data")
        self.application_button.clicked.connect(self.application_requested)
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Templates</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Recent projects</b>"), 0, 1)
        grid.addWidget(self.templates, 1, 0)
        grid.addWidget(self.recent, 1, 1)
        grid.addWidget(self.description, 2, 0, 1, 2)
        grid.addWidget(guide, 3, 0)
        grid.addWidget(open_button, 3, 1)
        grid.addWidget(self.application_button, 4, 0)
        grid.addWidget(self.import_button, 4, 1)
        self.lessons_title = QLabel("<b>Lessons</b>: claims about deep learning, shown and measured")
        grid.addWidget(self.lessons_title, 5, 0, 1, 2)
        grid.addWidget(self.lessons, 6, 0, 1, 2)
        self.lessons_title.hide()
        self.lessons.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(grid, 1)
        self.set_recent([])

    def set_lessons(self, lessons: list[tuple[str, str, str]]) -> None:
        """(name, title, claim) of each lesson; a double-click or Enter opens one."""
        self.lessons.clear()
        for name, title, claim in lessons:
            item = QListWidgetItem(title)
            item.setData(PATH_ROLE, name)
            item.setToolTip(claim)
            self.lessons.addItem(item)
        self.lessons.setMaximumHeight(self.lessons.sizeHintForRow(0) * max(len(lessons), 1) + 8)
        self.lessons_title.setVisible(bool(lessons))
        self.lessons.setVisible(bool(lessons))

    def set_recent(self, paths: list[Path]) -> None:
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(Path(path).name)
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        if not paths:
            item = QListWidgetItem("No recent projects yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)

    @staticmethod
    def _chosen(item: QListWidgetItem, signal) -> None:
        value = item.data(PATH_ROLE)
        if value:  # not the "No recent projects yet" row
            signal.emit(value)

    def _describe(self, item: QListWidgetItem | None) -> None:
        self.description.setText(item.toolTip() if item is not None else "")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        data = event.mimeData()
        if data.hasFormat(LAYER_MIME):
            self.layer_dropped.emit(bytes(data.data(LAYER_MIME)).decode("utf-8", "replace").strip())
            event.acceptProposedAction()
