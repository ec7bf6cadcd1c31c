"""Lessons in the window: the Lessons menu, the start page's list, opening a lesson (its ready project, the views
arranged, the Lesson panel), running its experiment in a worker and bringing back what it trained.

A lesson's runs are written to its own folder (~/.local/share/Strata/lessons/NAME): once measured, the window
opens that folder's project, so the runs, their curves and the trained model are there to look at, and the
evidence stays beside it for the next time the lesson is opened."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from gui.lessons.panel import LessonPanel
from gui.lessons.worker import LessonWorker
from gui.threads import CurrentWorker
from models.lessons import LESSONS
from models.lessons.evidence import Evidence

PROJECT_FILE, EVIDENCE_FILE = "project.strata.json", "evidence.json"


def lessons_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base or Path.home() / ".local" / "share") / "Strata" / "lessons"


def earlier_evidence(folder: Path) -> Evidence | None:
    """The evidence a previous run of the lesson wrote, or None (none, or unreadable: it is only a reminder)."""
    try:
        return Evidence.from_dict(json.loads((folder / EVIDENCE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


class LessonsController(QObject):
    """Owns the Lesson dock (hidden until a lesson opens) and the one lesson run at a time."""

    def __init__(self, window: QMainWindow, editor, workspaces, folder: Path | None = None,
                 quick: bool = False) -> None:
        super().__init__(window)
        self.window, self.editor, self.workspaces = window, editor, workspaces
        self.folder = folder or lessons_dir()
        self.quick = quick  # smaller runs with the same property (the tests)
        self.current: str | None = None
        self._replacing = False  # True while the lesson itself replaces the project
        self.panel = LessonPanel()
        self.panel.run_requested.connect(self.run)
        self.panel.stop_requested.connect(self.stop)
        self.panel.open_requested.connect(self.open_trained)
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("dock.lesson")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        inspector = getattr(window, "docks", {}).get("inspector")
        if inspector is not None:  # the whole right column, in front of the Inspector, while a lesson is open
            window.tabifyDockWidget(inspector, self.dock)
        self.dock.hide()
        self.runs = CurrentWorker(self)
        self.menu = self._build_menu()
        workspaces.changed.connect(self._workspace_changed)
        editor.document.project_replaced.connect(self._project_replaced)
        editor.session.dataset_loaded.connect(self._dataset_loaded)
        start_page = editor.start_page
        start_page.set_lessons([(lesson.name, lesson.title, lesson.claim) for lesson in LESSONS.values()])
        start_page.lesson_chosen.connect(self.open)

    def _build_menu(self) -> QMenu:
        menu = QMenu("&Lessons", self.window)
        for lesson in LESSONS.values():
            action = QAction(lesson.title, menu)
            action.setStatusTip(lesson.claim)
            action.setToolTip(lesson.claim)
            action.setObjectName(f"lesson.{lesson.name}")
            action.triggered.connect(lambda _checked=False, name=lesson.name: self.open(name))
            menu.addAction(action)
        bar = self.window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        bar.insertMenu(help_menu, menu) if help_menu is not None else bar.addMenu(menu)
        return menu

    def folder_of(self, name: str) -> Path:
        return self.folder / name

    def open(self, name: str) -> bool:
        """Open lesson `name`: its ready project (after asking about unsaved changes), its workspace and view,
        and the Lesson panel with what to look at (and its last evidence, if it ran before)."""
        lesson = LESSONS.get(name)
        if lesson is None or self.is_running() or not self.editor.files.confirm_discard():
            return False
        self.current = name
        with self._own_replacement():
            self.editor.document.replace(lesson.project(), None)
        folder = self.folder_of(name)
        self.panel.show_lesson(lesson, earlier_evidence(folder), (folder / PROJECT_FILE).is_file())
        self._arrange()
        return True

    def open_trained(self) -> None:
        """The project the lesson's last run trained, with its runs and model, without training again."""
        if self.current is None or self.is_running():
            return
        folder = self.folder_of(self.current)
        with self._own_replacement():
            opened = self.editor.files.open_path(folder / PROJECT_FILE)
        if opened:
            self._plot_runs()
            evidence = earlier_evidence(folder)
            if evidence is not None:
                self.panel.show_evidence(evidence, earlier_run=True)
            self.panel.open_button.hide()
            self._arrange()

    def _arrange(self) -> None:
        lesson = LESSONS[self.current]
        self.workspaces.switch(lesson.workspace)
        if lesson.view:
            inspection = self.editor.inspection
            inspection.tabs.setCurrentWidget(inspection.tab_views[lesson.view])
        self.dock.show()
        self.dock.raise_()

    @contextlib.contextmanager
    def _own_replacement(self):
        self._replacing = True
        try:
            yield
        finally:
            self._replacing = False

    def _project_replaced(self, *_args) -> None:
        """Another project was opened: the lesson is over (a run in progress goes on into its own folder)."""
        if not self._replacing and not self.is_running():
            self.current = None
            self.dock.hide()

    def _dataset_loaded(self, _dataset) -> None:
        """A lesson that shows an Inspection view shows it on a validation sample as soon as the data is there."""
        if self.current is not None and LESSONS[self.current].view and self.editor.inspection.input is None:
            self.editor.inspection.load_dataset_sample(0, "validation")

    def _workspace_changed(self, _key: str) -> None:
        if self.current is not None:  # a workspace's saved arrangement predates the lesson: keep the panel
            self.dock.show()

    # ----- running --------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        """From Run until the run's end has been heard (its thread can end a moment before its outcome, queued to
        this thread, arrives)."""
        return self.runs.worker is not None

    def run(self) -> None:
        if self.current is None or self.is_running():
            return
        worker = LessonWorker(self.current, self.folder_of(self.current), self.quick, self)
        self.runs.replace(worker, progress=self.panel.show_progress, done=self._done, failed=self._failed,
                          cancelled=self._cancelled)
        self.panel.set_running(True)
        worker.start()

    def stop(self) -> None:
        worker = self.runs.worker
        if worker is not None:
            worker.request_stop()
            self.panel.show_progress("Stopping after this epoch…", self.panel.progress.value())

    def _done(self, result) -> None:
        evidence, folder = result
        # what the lesson trained replaces its untrained project: the runs, their curves, the trained model
        with self._own_replacement():
            opened = self.editor.files.open_path(Path(folder) / PROJECT_FILE, ask=False)
        if opened:
            self._plot_runs()
        self.panel.show_evidence(evidence)
        self._arrange()

    def _plot_runs(self) -> None:
        """The lesson's runs overlaid in the curves: each repeat group (mean ± std) and each single run."""
        runs = [r for r in self.editor.document.project.runs if isinstance(r, dict)]
        ids = {str(r.get("group") or r.get("id")) for r in runs}
        self.editor.training.runs.model.set_plotted(ids)

    def _failed(self, message: str) -> None:
        self.panel.show_ended(message)

    def _cancelled(self) -> None:
        self.panel.show_ended("Stopped: the lesson's evidence needs every run. Run it again to measure it.")
