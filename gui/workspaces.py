"""Workspaces: one window, four arrangements of its panels, one per activity, switched from a bar or with
Ctrl+1..4. Build gives the canvas the room; Data the data panel; Train the curves; Inspect the maps.

Each workspace remembers the arrangement the user last left it in (QMainWindow.saveState, kept in QSettings);
one never visited starts from its default, sized to the window: the main panel of Train and Inspect takes about
two thirds of the height whatever the screen, from 1280x800 up. Starting a run switches to Train unless the user
turned that off (View ▸ Switch to Train When Training Starts) or is watching it in Inspect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QToolBar

from gui.widgets.visibility import on_screen


@dataclass(frozen=True)
class Workspace:
    key: str
    title: str
    main_dock: str | None  # the panel raised and given the room (None: the canvas)
    share: float  # of the window height (bottom panels) or width (side panels) for the main dock
    tip: str


WORKSPACES = (
    Workspace("build", "Build", None, 0.28, "Stack layers on the canvas: the palette, the inspector, the summary"),
    Workspace("data", "Data", "data", 0.42, "Choose and look at the data the model learns from"),
    Workspace("train", "Train", "training", 0.64, "Train the model and watch its loss and metric curves"),
    Workspace("inspect", "Inspect", "inspection", 0.64, "See what every layer makes of an input, live while training"),
)
BY_KEY = {workspace.key: workspace for workspace in WORKSPACES}
SIDE_DOCKS = {"data", "inspector"}  # on the right; the others of the main panels are at the bottom


class Workspaces(QObject):
    """The workspace bar and the switching; `changed(key)` after a switch."""

    changed = Signal(str)

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget], settings: QSettings,
                 default_state: Callable[[], QByteArray]) -> None:
        super().__init__(window)
        self.window, self.docks, self.settings = window, docks, settings
        self.default_state = default_state  # the arrangement every default starts from
        self.current = str(settings.value("workspaces/current", "build"))
        if self.current not in BY_KEY:
            self.current = "build"
        self.toolbar = QToolBar("Workspaces", window)
        self.toolbar.setObjectName("toolbar.workspaces")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for index, workspace in enumerate(WORKSPACES, start=1):
            action = QAction(workspace.title, self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{index}"))
            action.setToolTip(f"{workspace.tip} ({action.shortcut().toString()})")
            action.triggered.connect(lambda _checked=False, key=workspace.key: self.switch(key))
            self.group.addAction(action)
            self.toolbar.addAction(action)
            self.actions[workspace.key] = action
        self.actions[self.current].setChecked(True)
        self.follow_training = QAction("Switch to Train When Training Starts", self, checkable=True)
        self.follow_training.setChecked(settings.value("workspaces/follow_training", True, type=bool))
        self.follow_training.toggled.connect(lambda on: self.settings.setValue("workspaces/follow_training", on))

    def _state_key(self, key: str) -> str:
        return f"workspaces/state/{key}"

    def switch(self, key: str) -> None:
        """Leave the current workspace (its arrangement is kept) and arrange the panels for `key`."""
        if key not in BY_KEY:
            return
        if key == self.current:
            self.actions[key].setChecked(True)
            return
        self.settings.setValue(self._state_key(self.current), self.window.saveState())
        self.current = key
        self.settings.setValue("workspaces/current", key)
        saved = self.settings.value(self._state_key(key))
        if not (isinstance(saved, QByteArray) and not saved.isEmpty() and self.window.restoreState(saved)):
            self.apply_default(key)
        self.actions[key].setChecked(True)
        QTimer.singleShot(0, self.hide_stale_tab_bars)  # once the layout has placed the docks
        self.changed.emit(key)

    def hide_stale_tab_bars(self) -> None:
        """QMainWindow.restoreState makes new tab bars for tabbed docks and leaves the old ones shown where they
        were (Qt 6.10): a ghost "Inspector | Data" over the maps. A tab bar in use sits right below its docks."""
        try:
            docks = [dock.geometry() for dock in self.docks.values() if dock.isVisible()]
        except RuntimeError:  # the window was closed and deleted before this deferred call ran
            return
        for bar in self.window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            place = bar.geometry()
            used = any(abs(dock.bottom() + 1 - place.top()) <= 2 and abs(dock.left() - place.left()) <= 2
                       for dock in docks)
            if bar.isVisible() and not used:
                bar.hide()

    def apply_default(self, key: str | None = None) -> None:
        """The workspace's own arrangement, sized to the window (View ▸ Reset Layout uses it too)."""
        workspace = BY_KEY[key or self.current]
        self.window.restoreState(self.default_state())
        QTimer.singleShot(0, self.hide_stale_tab_bars)
        for dock in self.docks.values():
            dock.show()
        height, width = self.window.height(), self.window.width()
        main = workspace.main_dock
        bottom = main if main and main not in SIDE_DOCKS else "summary"
        self.docks[bottom].raise_()
        self.docks["inspector" if main != "data" else "data"].raise_()
        if main in SIDE_DOCKS:
            self.window.resizeDocks([self.docks[main]], [int(width * workspace.share)], Qt.Orientation.Horizontal)
            self.window.resizeDocks([self.docks[bottom]], [int(height * 0.22)], Qt.Orientation.Vertical)
        else:
            self.window.resizeDocks([self.docks[bottom]], [int(height * workspace.share)], Qt.Orientation.Vertical)

    def run_starting(self) -> None:
        """A run starts: show its curves, unless turned off or the user is watching the maps (in Inspect, or
        with the Inspection panel in front wherever it is)."""
        watching = self.current in ("train", "inspect") or on_screen(self.docks["inspection"].widget())
        if self.follow_training.isChecked() and not watching:
            self.switch("train")

    def save(self) -> None:
        self.settings.setValue(self._state_key(self.current), self.window.saveState())
        self.settings.setValue("workspaces/current", self.current)
