"""The menu bar as data: one row per action, so menus, shortcuts and Help -> Keyboard shortcuts agree.

Actions whose feature has not landed yet are created disabled, so the menu shows the whole app's shape
without offering anything that does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

StandardKey = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    key: str
    text: str
    shortcut: QKeySequence.StandardKey | str | None = None
    tip: str = ""


SEPARATOR = None

MENUS: dict[str, list[ActionSpec | None]] = {
    "&File": [
        ActionSpec("file.new", "&New…", StandardKey.New, "Start a new model from a template"),
        ActionSpec("file.open", "&Open…", StandardKey.Open, "Open a Strata project file or a Keras model"),
        ActionSpec("file.new_application", "New from a &Known Network…", None,
                   "ResNet, MobileNet, EfficientNet and the other networks Keras ships, with ImageNet weights"),
        ActionSpec("file.import_keras", "Open &Keras Model…", "Ctrl+Shift+K",
                   "Open a .keras (or .h5) model with its weights, to inspect, train or export"),
        ActionSpec("file.open_image", "Open &Image…", "Ctrl+Shift+O",
                   "Load an image to see what every layer makes of it"),
        ActionSpec("file.save", "&Save", StandardKey.Save, "Save the project"),
        ActionSpec("file.save_as", "Save &As…", StandardKey.SaveAs, "Save the project under a new name"),
        SEPARATOR,
        ActionSpec("file.export_code", "Export Keras &Python Code…", None, "Write plain Keras code for the model"),
        ActionSpec("file.export_keras", "Export Trained Model (.&keras)…", None, "Save the trained Keras model"),
        ActionSpec("file.export_savedmodel", "Export Trained Model as Saved&Model…", None,
                   "A TensorFlow SavedModel for serving"),
        ActionSpec("file.export_tflite", "Export Trained Model as TF&Lite…", None,
                   "A .tflite file for phones and microcontrollers"),
        SEPARATOR,
        ActionSpec("file.quit", "&Quit", StandardKey.Quit, "Quit Strata"),
    ],
    "&Edit": [
        ActionSpec("edit.undo", "&Undo", StandardKey.Undo),
        ActionSpec("edit.redo", "&Redo", StandardKey.Redo),
        SEPARATOR,
        ActionSpec("edit.cut", "Cu&t", StandardKey.Cut),
        ActionSpec("edit.copy", "&Copy", StandardKey.Copy),
        ActionSpec("edit.paste", "&Paste", StandardKey.Paste),
        ActionSpec("edit.duplicate", "D&uplicate", "Ctrl+D"),
        ActionSpec("edit.delete", "&Delete", StandardKey.Delete),
        SEPARATOR,
        ActionSpec("edit.select_all", "Select &All", StandardKey.SelectAll),
        ActionSpec("edit.find", "&Find Layer…", StandardKey.Find, "Find a layer by its name or type"),
    ],
    "&Model": [
        ActionSpec("model.validate", "&Check Model", "Ctrl+Shift+V", "Infer shapes and list problems"),
        ActionSpec("model.summary", "Show &Summary", "Ctrl+I", "Layer table with shapes and parameters"),
    ],
    "&Data": [
        ActionSpec("data.choose", "Choose &Dataset…", "Ctrl+Shift+D", "Pick a built-in or your own dataset"),
    ],
    "&Train": [
        ActionSpec("train.start", "&Start Training", "F5", "Build the model and train it"),
        ActionSpec("train.continue", "&Continue Training", "Ctrl+F5",
                   "Train the last trained model further, with its optimizer state, as a new run"),
        ActionSpec("train.sweep", "S&weep…", "Ctrl+Shift+W",
                   "Try training settings and layer parameters (grid, random or Bayesian search), one run each"),
        ActionSpec("train.pause", "&Pause", "F6"),
        ActionSpec("train.stop", "S&top", "Shift+F5"),
    ],
    "&View": [
        ActionSpec("view.zoom_in", "Zoom &In", StandardKey.ZoomIn),
        ActionSpec("view.zoom_out", "Zoom &Out", StandardKey.ZoomOut),
        ActionSpec("view.fit", "&Fit to Window", "Ctrl+0"),
        ActionSpec("view.overview", "&Overview", "Ctrl+Shift+M",
                   "A miniature of the whole model in the canvas's corner, while it does not fit the window"),
        ActionSpec("view.collapse_groups", "&Collapse All Groups", "Ctrl+Shift+[",
                   "Show each block of a big model as one card"),
        ActionSpec("view.expand_groups", "&Expand All Groups", "Ctrl+Shift+]", "Show every layer of every block"),
        SEPARATOR,
        # the dock toggles are added here by the main window
        ActionSpec("view.reset_layout", "&Reset Layout", None, "Put every panel back where it started"),
    ],
    "&Help": [
        ActionSpec("help.guide", "&User Guide", "Shift+F1", "Your first model in five steps, and where things are"),
        ActionSpec("help.shortcuts", "&Keyboard Shortcuts", StandardKey.HelpContents),
        SEPARATOR,
        ActionSpec("help.about", "&About Strata"),
        ActionSpec("help.about_qt", "About &Qt"),
    ],
}


def build_menus(window: QMainWindow) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Create every menu and action (disabled until a handler enables it)."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    for title, specs in MENUS.items():
        menu = window.menuBar().addMenu(title)
        menus[title.replace("&", "")] = menu
        for spec in specs:
            if spec is None:
                menu.addSeparator()
                continue
            action = QAction(spec.text, window)
            action.setObjectName(spec.key)
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            if spec.tip:
                action.setStatusTip(spec.tip)
            action.setEnabled(False)
            menu.addAction(action)
            actions[spec.key] = action
    return actions, menus


# Toolbar: the actions a person reaches for most, with the platform style's standard icons.
TOOLBAR: list[tuple[str, QStyle.StandardPixmap] | None] = [
    ("file.new", QStyle.StandardPixmap.SP_FileIcon),
    ("file.open", QStyle.StandardPixmap.SP_DialogOpenButton),
    ("file.save", QStyle.StandardPixmap.SP_DialogSaveButton),
    None,
    ("edit.undo", QStyle.StandardPixmap.SP_ArrowBack),
    ("edit.redo", QStyle.StandardPixmap.SP_ArrowForward),
    None,
    ("model.validate", QStyle.StandardPixmap.SP_DialogApplyButton),
    ("train.start", QStyle.StandardPixmap.SP_MediaPlay),
    ("train.pause", QStyle.StandardPixmap.SP_MediaPause),
    ("train.stop", QStyle.StandardPixmap.SP_MediaStop),
]


def build_toolbar(window: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("toolbar.main")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    style = window.style()
    for entry in TOOLBAR:
        if entry is None:
            toolbar.addSeparator()
            continue
        key, pixmap = entry
        action = actions[key]
        action.setIcon(style.standardIcon(pixmap))
        toolbar.addAction(action)
    return toolbar


def shortcut_rows(actions: dict[str, QAction]) -> list[tuple[str, str]]:
    """(action, shortcut) pairs for Help -> Keyboard shortcuts, in menu order."""
    rows = []
    for action in actions.values():
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), keys))
    return rows
