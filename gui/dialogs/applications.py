"""File ▸ New from a Known Network: one of the networks Keras ships, with ImageNet or random weights, at an input
size and number of classes of the user's choosing (other than ImageNet's: a new classifier head)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.templates import create_buttons
from gui.widgets.colors import muted_style
from gui.widgets.wheel_guard import guard_wheel
from models.building.applications import APPLICATIONS, IMAGENET_CLASSES, keras_cache_folder_text

NAME_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class ApplicationChoice:
    name: str
    weights: str | None  # "imagenet" | None (random)
    size: int
    classes: int


class ApplicationDialog(QDialog):
    """The networks by family on the left; what the chosen one is and its settings on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from a Known Network")
        self.resize(760, 460)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMaximumWidth(260)
        families: dict[str, QTreeWidgetItem] = {}
        for app in APPLICATIONS.values():
            family = families.get(app.family)
            if family is None:
                family = families[app.family] = QTreeWidgetItem(self.tree, [app.family])
                family.setFlags(Qt.ItemFlag.ItemIsEnabled)
                family.setExpanded(True)
            item = QTreeWidgetItem(family, [app.name])
            item.setData(0, NAME_ROLE, app.name)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.weights = QComboBox()
        self.weights.addItem("ImageNet (downloaded once by Keras)", "imagenet")
        self.weights.addItem("Random (train from scratch)", None)
        self.size = QSpinBox()
        self.size.setRange(32, 1024)
        self.size.setSuffix(" px")
        self.classes = QSpinBox()
        self.classes.setRange(1, 100_000)
        self.classes.setValue(IMAGENET_CLASSES)
        for field in (self.weights, self.size, self.classes):
            guard_wheel(field)
        self.head_note = QLabel()
        self.head_note.setWordWrap(True)
        self.head_note.setStyleSheet(muted_style())
        form = QFormLayout()
        form.addRow("Weights", self.weights)
        form.addRow("Input size", self.size)
        form.addRow("Classes", self.classes)
        right = QVBoxLayout()
        right.addWidget(self.description)
        right.addLayout(form)
        right.addWidget(self.head_note)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.tree)
        body.addLayout(right, 1)
        buttons = create_buttons(self)
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.tree.currentItemChanged.connect(self._show)
        self.tree.itemDoubleClicked.connect(lambda item, _column: self.accept() if item.data(0, NAME_ROLE) else None)
        for field in (self.weights.currentIndexChanged, self.size.valueChanged, self.classes.valueChanged):
            field.connect(self._explain_head)
        self.select("MobileNetV2")

    def select(self, name: str) -> None:
        for item in self.tree.findItems(name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive):
            if item.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(item)

    def _show(self, item: QTreeWidgetItem | None) -> None:
        name = item.data(0, NAME_ROLE) if item is not None else None
        self.create_button.setEnabled(bool(name))
        if not name:
            return
        app = APPLICATIONS[name]
        self.description.setText(f"<h3>{name}</h3><p>{app.note}</p><p>Trained on ImageNet at {app.size}x{app.size} "
                                 f"pixels; takes at least {app.min_size}x{app.min_size}.</p>")
        self.size.setMinimum(app.min_size)
        self.size.setValue(app.size)
        self._explain_head()

    def _explain_head(self) -> None:
        choice = self.choice()
        if choice is None:
            return
        app = APPLICATIONS[choice.name]
        if choice.weights is None:
            note = "All weights start at random: train it on your data."
        elif choice.classes == IMAGENET_CLASSES and choice.size == app.size:
            note = ("The whole network as trained on ImageNet, with its 1000 class names. The weights are "
                    f"downloaded once into Keras's cache ({keras_cache_folder_text()}).")
        else:
            note = (f"ImageNet features with a new classifier of {choice.classes} classes (random until trained): "
                    "freeze the backbone and train the head on your data.")
        self.head_note.setText(note)

    def choice(self) -> ApplicationChoice | None:
        item = self.tree.currentItem()
        name = item.data(0, NAME_ROLE) if item is not None else None
        if not name:
            return None
        return ApplicationChoice(name, self.weights.currentData(), self.size.value(), self.classes.value())


def choose_application(parent: QWidget | None = None) -> ApplicationChoice | None:
    dialog = ApplicationDialog(parent)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
