"""The one Strata window: menus, the canvas in the centre, dockable panels around it, a status bar.

Later features fill the docks; this module owns the frame, window state and the TensorFlow start-up.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QMessageBox, QProgressBar

from gui.dialogs.about import show_about
from gui.dialogs.shortcuts import ShortcutsDialog
from gui.editor.canvas import project_file_from
from gui.lessons.controller import LessonsController
from gui.menus import build_menus, build_toolbar, shortcut_rows
from gui.runtime_loader import TensorFlowLoader
from gui.threads import abandon, stop_all_threads
from gui.widgets.empty_state import EmptyState
from gui.widgets.wheel_guard import guard_wheel
from gui.workspace import Editor
from gui.workspaces import Workspaces
from models import APP_NAME
from models.runtime import RuntimeInfo, freeze_long_lived_objects

log = logging.getLogger(__name__)
CLOSE_TIMEOUT_MS = 10_000  # how long closing waits for a worker to stop before leaving it to finish alone
STEPPING_STOP_MS = 60_000  # a run that is taking steps stops within a batch: its run is worth the wait

ICON_PATH = Path(__file__).parent / "resources" / "strata.svg"

# (object name, title, area, empty-state title, hint). Object names key the saved dock state.
DOCKS = [
    ("palette", "Layers", Qt.DockWidgetArea.LeftDockWidgetArea,
     "Layer palette", "Every Keras layer by category. Drag one onto the canvas to add it."),
    ("inspector", "Inspector", Qt.DockWidgetArea.RightDockWidgetArea,
     "No layer selected", "Select a layer on the canvas to edit its parameters."),
    ("data", "Data", Qt.DockWidgetArea.RightDockWidgetArea,
     "No dataset chosen", "Built-in datasets work offline. Drop an image folder, .npz or .csv here."),
    ("summary", "Summary", Qt.DockWidgetArea.BottomDockWidgetArea,
     "Model summary", "Layers, shapes, parameters and problems of the model."),
    ("training", "Training", Qt.DockWidgetArea.BottomDockWidgetArea,
     "Not trained yet", "Press F5 to train. Loss and metric curves appear here as it runs."),
    ("inspection", "Inspection", Qt.DockWidgetArea.BottomDockWidgetArea,
     "Nothing to inspect", "Load an image to see what every layer makes of it."),
]


def first_window_size() -> tuple[int, int]:
    """85 % of the screen's free area, never below 1280x820 unless the screen itself is smaller (offscreen, where
    the virtual screen is a nominal 800x600: 1280x820)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() == "offscreen":  # no real screen to fit (tests, renders)
        return 1280, 820
    room = screen.availableGeometry()
    width = min(room.width(), max(1280, int(room.width() * 0.85)))
    height = min(room.height() - 40, max(820, int(room.height() * 0.85)))
    return width, max(height, 480)


class MainWindow(QMainWindow):
    """Emits `first_painted` once the window has drawn, and `runtime_ready` when TensorFlow is loaded."""

    first_painted = Signal(float)
    runtime_ready = Signal(object)

    def __init__(self, settings: QSettings | None = None, load_runtime: bool = True,
                 autosave_ms: int = 60_000, offer_recovery: bool = True, lessons_folder: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.runtime: RuntimeInfo | None = None
        self._painted = False
        self._load_runtime = load_runtime
        self.loader: TensorFlowLoader | None = None

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(ICON_PATH)))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self._offer_recovery = offer_recovery
        self.close_timeout_ms = CLOSE_TIMEOUT_MS
        self.actions_by_key, self.menus = build_menus(self)
        self.toolbar = build_toolbar(self, self.actions_by_key)
        self._build_status_bar()
        self.editor = Editor(self, self.actions_by_key, self.settings, autosave_ms)
        self.setCentralWidget(self.editor.canvas)
        self.menus["File"].insertMenu(self.actions_by_key["file.save"], self.editor.recent_menu)
        self.docks = self._build_docks()
        for name, widget in (("palette", self.editor.palette), ("inspector", self.editor.inspector),
                             ("summary", self.editor.summary), ("data", self.editor.data_panel),
                             ("training", self.editor.training), ("inspection", self.editor.inspection)):
            self.docks[name].setWidget(widget)
        guard_wheel(self)  # the wheel scrolls forms; it changes a field only once that field has the focus
        # A dock behind another's tab is moved off-screen, not hidden: tell the live views when they can be seen.
        self.docks["inspection"].visibilityChanged.connect(self.editor.inspection.set_on_screen)
        self.docks["training"].visibilityChanged.connect(self.editor.training.plots.set_on_screen)
        self._connect_actions()
        self.setAcceptDrops(True)
        self.workspaces = Workspaces(self, self.docks, self.settings, lambda: self._default_state)
        self.lessons = LessonsController(self, self.editor, self.workspaces, lessons_folder)
        self._default_state = self.saveState()  # with the Lesson dock, hidden until a lesson opens
        self.addToolBar(self.workspaces.toolbar)
        self._add_workspace_menu()
        self.editor.session.run_starting.connect(lambda _worker: self.workspaces.run_starting())
        self._restore_window_state()
        self.installEventFilter(self)

    # ----- construction -------------------------------------------------------------------------
    def _build_docks(self) -> dict[str, QDockWidget]:
        docks: dict[str, QDockWidget] = {}
        view_menu = self.menus["View"]
        first_view_action = view_menu.actions()[0]
        for name, title, area, empty_title, hint in DOCKS:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock.{name}")
            dock.setWidget(EmptyState(empty_title, hint))
            self.addDockWidget(area, dock)
            toggle = dock.toggleViewAction()
            toggle.setText(f"{title} Panel")
            view_menu.insertAction(first_view_action, toggle)
            docks[name] = dock
        view_menu.insertSeparator(first_view_action)
        self.tabifyDockWidget(docks["inspector"], docks["data"])
        self.tabifyDockWidget(docks["summary"], docks["training"])
        self.tabifyDockWidget(docks["training"], docks["inspection"])
        docks["inspector"].raise_()
        docks["summary"].raise_()
        self.resizeDocks([docks["palette"], docks["inspector"]], [230, 300], Qt.Orientation.Horizontal)
        self.resizeDocks([docks["training"]], [240], Qt.Orientation.Vertical)
        return docks

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel()
        bar.addWidget(self.model_label)
        self.next_step_label = QLabel()  # what to do next, for someone new (models.guidance)
        self.next_step_label.setStyleSheet("padding-left: 16px;")
        bar.addWidget(self.next_step_label, 1)
        self.runtime_label = QLabel("Loading TensorFlow…")
        self.runtime_progress = QProgressBar()
        self.runtime_progress.setRange(0, 0)  # busy indicator until the import finishes
        self.runtime_progress.setMaximumWidth(120)
        self.runtime_progress.setMaximumHeight(14)
        self.runtime_progress.setTextVisible(False)
        bar.addPermanentWidget(self.runtime_progress)
        bar.addPermanentWidget(self.runtime_label)

    def _connect_actions(self) -> None:
        handlers = {
            "file.quit": self.close,
            "view.reset_layout": self.reset_layout,
            "help.shortcuts": self.show_shortcuts,
            "help.guide": self.show_guide,
            "help.about": lambda: show_about(self, self.runtime),
            "help.about_qt": QApplication.aboutQt,
        }
        for key, handler in handlers.items():
            action = self.actions_by_key[key]
            action.triggered.connect(handler)
            action.setEnabled(True)

    # ----- window state -------------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:  # the first start: most of the screen (at least 1280x820 where it fits), below its title bar
            self.resize(*first_window_size())
        if not (isinstance(state, QByteArray) and not state.isEmpty() and self.restoreState(state)):
            self.workspaces.apply_default()  # the first start: the current workspace's own arrangement

    def save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.workspaces.save()
        self.settings.sync()

    def _confirm_stop_training(self) -> bool:
        answer = QMessageBox.question(self, "Training is running",
                                      "Stop training and close Strata?\n\nThe run so far is added to the project's "
                                      "runs, and you can save it before Strata closes.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def show_next_step(self, text: str) -> None:
        self.next_step_label.setText(text)

    def show_model_status(self, text: str) -> None:
        """The permanent left part of the status bar: layer and parameter count, or the problem count."""
        self.model_label.setText(text)

    def open_project(self, path: Path) -> bool:
        """Open a project file (command line, drop); a broken file is reported and nothing changes."""
        return self.editor.files.open_path(Path(path), ask=False)

    # ----- dropping a project file on the window ----------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if project_file_from(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        path = project_file_from(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.editor.open_dropped(path)

    def reset_layout(self) -> None:
        """The current workspace's own arrangement again."""
        self.workspaces.apply_default()

    def _add_workspace_menu(self) -> None:
        view_menu = self.menus["View"]
        menu = view_menu.addMenu("&Workspace")
        for action in self.workspaces.actions.values():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.workspaces.follow_training)

    def show_guide(self) -> None:
        """Non-modal: the guide can stay open beside the window while the user follows it."""
        from gui.dialogs.guide import GuideDialog

        if getattr(self, "guide", None) is None:
            self.guide = GuideDialog(self)
        self.guide.show()
        self.guide.raise_()

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(shortcut_rows(self.actions_by_key), self)
        dialog.exec()
        dialog.deleteLater()

    # ----- TensorFlow start-up -------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self and not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            # Start loading after this paint has finished, so the import never delays the first frame.
            QTimer.singleShot(0, self._after_first_paint)
        return super().eventFilter(watched, event)

    def _after_first_paint(self) -> None:
        self.first_painted.emit(time.time())
        if self._offer_recovery:
            QTimer.singleShot(0, self.editor.files.offer_recovery)
        if self._load_runtime:
            self.start_runtime_loader()

    def start_runtime_loader(self) -> None:
        if self.loader is not None:
            return
        self.loader = TensorFlowLoader(self)
        self.loader.done.connect(self._on_runtime_loaded)
        self.loader.failed.connect(self._on_runtime_failed)
        self.loader.start()

    def _on_runtime_loaded(self, info: RuntimeInfo) -> None:
        self.runtime = info
        self.runtime_progress.hide()
        self.runtime_label.setText(info.summary)
        self.runtime_label.setToolTip("Where Strata computes. Training uses the GPU when one is present.")
        self.statusBar().showMessage("TensorFlow ready", 3000)
        self.runtime_ready.emit(info)
        QTimer.singleShot(0, freeze_long_lived_objects)  # after the label has painted: one short pause now

    def _on_runtime_failed(self, message: str) -> None:
        self.runtime_progress.hide()
        self.runtime_label.setText("TensorFlow unavailable")
        self.runtime_label.setToolTip(message)
        self.statusBar().showMessage(message)

    # ----- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing is safe at every moment: the run so far joins the project before the save question, a save in
        progress finishes first, and a worker that cannot stop in time is abandoned, never destroyed running."""
        try:
            if self.editor.files.is_saving():
                self.statusBar().showMessage("Strata closes once the project is saved; try again in a moment.")
                event.ignore()
                return
            training = self.editor.training
            if training.is_training():
                if not self._confirm_stop_training():
                    event.ignore()
                    return
                self.statusBar().showMessage("Stopping training…")
                # a run taking steps stops at the next batch (wait for it, however busy the machine); one still
                # building or tracing its model cannot stop, and gets the short timeout
                stepping = training.worker is not None and training.worker.progress.step > 0
                timeout = max(self.close_timeout_ms, STEPPING_STOP_MS) if stepping else self.close_timeout_ms
                if not training.stop_and_record(timeout):
                    abandon(training.worker)
            if not self.editor.files.confirm_discard():
                event.ignore()
                return
            self.editor.inspection.shutdown()
            self.editor.files.discard_recovery()
            self.save_window_state()
        except Exception:  # never into Qt's event loop; closing must still stop the threads
            log.exception("while closing the window")
        for thread in stop_all_threads(self.close_timeout_ms):
            abandon(thread)
        event.accept()


def _main() -> None:  # pragma: no cover - quick look: python -m gui.main_window
    from gui.app import run_gui

    raise SystemExit(run_gui([]))


if __name__ == "__main__":  # pragma: no cover
    _main()
