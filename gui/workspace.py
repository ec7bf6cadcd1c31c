"""The model editor inside the main window: it owns the document and wires the canvas, palette, inspector,
summary and file actions to it and to the window's menu actions.

Kept apart from `main_window.py` so the frame (docks, status bar, TensorFlow start-up) and the editing
behaviour change independently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from gui.data.panel import DataPanel
from gui.document import ProjectDocument
from gui.editor.canvas import CanvasView
from gui.editor.find_bar import FindBar
from gui.editor.inspector import Inspector
from gui.editor.palette import Palette
from gui.editor.summary import SummaryPanel
from gui.file_actions import FileActions
from gui.inspection.panel import InspectionPanel
from gui.session import Session
from gui.start_page import StartPage
from gui.training.panel import TrainingPanel
from gui.widgets.slots import guarded
from gui.widgets.visibility import on_screen
from models import APP_NAME
from models.graph.catalog import CATALOG
from models.graph.spec import ModelSpec
from models.guidance import Situation, next_step
from models.training.config import TrainingConfig
from models.training.health_history import HealthHistory


class Editor(QObject):
    """Widgets are created here and placed by the window: `canvas` (centre), `palette`, `inspector`, `summary`."""

    def __init__(self, window: QMainWindow, actions: dict[str, QAction], settings: QSettings,
                 autosave_ms: int = 60_000) -> None:
        super().__init__(window)
        self.window = window
        self.actions = actions
        self.document = ProjectDocument(parent=self)
        self.canvas = CanvasView(self.document)
        self.palette = Palette()
        self.inspector = Inspector()
        self.summary = SummaryPanel()
        self.session = Session(self)  # what the panels share beyond the document: loaded data, trained model, run
        self.data_panel = DataPanel(self.document, self.session)
        self.training = TrainingPanel(self.document, self.session)
        self.inspection = InspectionPanel(self.document, self.session)
        self.files = FileActions(self.document, window, settings, autosave_ms)
        self.recent_menu = QMenu("Open &Recent", window)
        self.start_page = StartPage(self.canvas)  # over the empty canvas, hidden once the model has a layer
        self.canvas.installEventFilter(self)
        self.find_bar = FindBar(self.canvas)  # Ctrl+F: a layer by name or type, in a big graph
        self.find_bar.found.connect(self._found)
        self.find_bar.not_found.connect(lambda text: self._status(f"No layer's name or type contains “{text}”", 4000))
        self._connect_views()
        self._connect_start_page()
        self._connect_actions()
        self._refresh_title()
        self._on_validated(self.document.report)

    # ----- wiring ---------------------------------------------------------------------------------------
    def _connect_views(self) -> None:
        document = self.document
        document.validated.connect(self._on_validated)
        document.edit_failed.connect(lambda message: self._status(message, 8000))
        document.path_changed.connect(lambda _path: self._refresh_title())
        document.project_replaced.connect(self._on_project_replaced)
        # Bound methods, not lambdas: the undo stack signals while it is destroyed, and Qt drops connections
        # to a destroyed receiver (the Editor) but cannot drop a lambda's.
        document.undo_stack.cleanChanged.connect(self._refresh_title)
        document.undo_stack.indexChanged.connect(self._refresh_title)
        self.canvas.selection_changed.connect(self._show_selection)
        self.canvas.selection_changed.connect(self._inspect_selection)
        self.inspection.message.connect(lambda message: self._status(message, 6000))
        self.inspection.layer_selected.connect(lambda node_id: self.canvas.select([node_id]))
        self.canvas.message.connect(lambda message: self._status(message, 5000))
        self.canvas.project_file_dropped.connect(self.open_dropped)
        self.palette.layer_activated.connect(lambda name: self.canvas.add_layer(name))
        self.inspector.param_changed.connect(self.set_param)
        self.inspector.rename_requested.connect(self.rename)
        self.summary.problem_activated.connect(lambda node_id: self.canvas.select([node_id]))
        self.summary.node_activated.connect(lambda node_id: self.canvas.select([node_id]))
        self.files.message.connect(lambda message: self._status(message, 5000))
        self.files.model_imported.connect(self.training.take_model)  # its weights: the project's trained model
        self.data_panel.message.connect(lambda message: self._status(message, 5000))
        # "Training on CPU" stays in the status bar for the whole run; other messages fade
        self.training.message.connect(lambda message: self._status(message, 0 if self.training.is_training()
                                                                    else 8000))
        self.training.state_changed.connect(self._training_state)
        self.training.model_ready.connect(self._model_ready)
        self.training.health_changed.connect(self.canvas.show_health)
        self.training.runs.compare_requested.connect(self.compare_with_run)
        self.document.dataset_changed.connect(self._update_next_step)
        # one batch size: the Summary's memory estimate uses the training setting, and changing it there changes it
        self.summary.batch_size_changed.connect(self._batch_size_from_summary)
        self.document.training_changed.connect(lambda _settings: self._show_batch_size())
        self.document.project_replaced.connect(self._show_batch_size)
        self._show_batch_size()
        self.files.recent_changed.connect(lambda: self.files.fill_recent_menu(self.recent_menu))
        self.files.fill_recent_menu(self.recent_menu)

    def _connect_actions(self) -> None:
        stack = self.document.undo_stack
        canvas = self.canvas
        handlers: dict[str, Callable[[], Any]] = {
            "file.new": self.files.new_from_template,
            "file.open": self.files.open_dialog,
            "file.import_keras": self.files.import_dialog,
            "file.new_application": self.files.new_from_application,
            "file.open_image": self.open_image,
            "file.save": self.files.save,
            "file.save_as": self.files.save_as,
            "file.export_code": self.files.export_code,
            "edit.undo": stack.undo,
            "edit.redo": stack.redo,
            "edit.cut": canvas.cut_selected,
            "edit.copy": canvas.copy_selected,
            "edit.paste": self.paste,
            "edit.duplicate": canvas.duplicate_selected,
            "edit.delete": canvas.delete_selected,
            "edit.select_all": canvas.select_all,
            "edit.find": self.find_layer,
            "view.zoom_in": lambda: canvas.zoom_by(1.25),
            "view.zoom_out": lambda: canvas.zoom_by(0.8),
            "view.fit": canvas.fit_to_view,
            "view.overview": canvas.set_overview_shown,
            "view.collapse_groups": lambda: canvas.set_all_groups_collapsed(True),
            "view.expand_groups": lambda: canvas.set_all_groups_collapsed(False),
            "model.validate": self.check_model,
            "model.summary": self.show_summary,
            "data.choose": self.show_data,
            "train.start": self.start_training,
            "train.continue": self.continue_training,
            "train.sweep": self.sweep,
            "train.pause": self.training.toggle_pause,
            "train.stop": self.training.stop,
            "file.export_keras": lambda: self.export_model("keras"),
            "file.export_savedmodel": lambda: self.export_model("savedmodel"),
            "file.export_tflite": lambda: self.export_model("tflite"),
        }
        self.actions["view.overview"].setCheckable(True)
        self.actions["view.overview"].setChecked(True)
        for key, handler in handlers.items():
            action = self.actions[key]
            action.triggered.connect(handler)
            action.setEnabled(True)
        self._model_ready(False)  # exports wait for a trained model
        self._training_state(self.training.state)  # Pause and Stop wait for a run
        self.actions["edit.redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.actions["edit.delete"].setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete),
                                                  QKeySequence("Backspace")])
        stack.canUndoChanged.connect(self.actions["edit.undo"].setEnabled)
        stack.canRedoChanged.connect(self.actions["edit.redo"].setEnabled)
        stack.undoTextChanged.connect(self._undo_text_changed)
        stack.redoTextChanged.connect(self._redo_text_changed)
        self.actions["edit.undo"].setEnabled(False)
        self.actions["edit.redo"].setEnabled(False)
        self.actions["edit.undo"].setIconText("Undo")  # the toolbar keeps a short label; the menu says what
        self.actions["edit.redo"].setIconText("Redo")

    # ----- edits from the inspector ---------------------------------------------------------------------
    def set_param(self, node_id: str, name: str, value: Any) -> None:
        def change(spec: ModelSpec) -> None:
            spec.set_params(node_id, **{name: value})

        self.document.edit(f"Set {name} of {node_id}", change, merge_key=("param", node_id, name),
                           select=lambda _: [node_id])

    def rename(self, node_id: str, new_id: str) -> None:
        self.document.edit(f"Rename {node_id} to {new_id}", lambda spec: spec.rename(node_id, new_id),
                           select=lambda _: [new_id])

    # ----- reactions ------------------------------------------------------------------------------------
    def _show_selection(self, ids: list[str], bring_forward: bool = True) -> None:
        if len(ids) == 1 and ids[0] in self.document.spec:
            self.inspector.show_node(self.document.spec.node(ids[0]), self.document.report.nodes.get(ids[0]))
        else:
            self.inspector.show_node(None, None)
        if bring_forward and len(ids) == 1 and hasattr(self.window, "docks"):
            self.window.docks["inspector"].raise_()

    def paste(self) -> None:
        """Edit ▸ Paste: an image into the Inspection panel when it has the focus, else layers onto the canvas."""
        if self.inspection.owns_focus():
            self.inspection.paste()
        else:
            self.canvas.paste()

    def _inspect_selection(self, ids: list[str]) -> None:
        if len(ids) == 1:
            self.inspection.select_layer(ids[0])

    def open_image(self) -> None:
        """File ▸ Open Image: bring the Inspection panel forward and ask for the file."""
        if hasattr(self.window, "docks"):
            self.window.docks["inspection"].show()
            self.window.docks["inspection"].raise_()
        self.inspection.open_dialog()

    def _on_validated(self, report) -> None:
        self.summary.show_report(self.document.spec, report)
        self._show_selection(self.canvas.selected_ids(), bring_forward=False)  # an edit must not switch tabs
        errors = len(report.errors)
        if not len(self.document.spec):
            text = "Empty model: drag an Input from the palette"
        elif errors:
            text = f"{errors} problem{'s' if errors > 1 else ''} in the model"
        else:
            text = f"{len(self.document.spec)} layers · {report.total_params:,} parameters"
        self._status(text, 0, permanent=True)
        self._update_next_step()
        self._place_start_page()

    def _update_next_step(self, *_args) -> None:
        """The status bar's hint of what to do next (models.guidance)."""
        show = getattr(self.window, "show_next_step", None)
        if show is None:
            return
        report, project = self.document.report, self.document.project
        dataset = project.dataset if isinstance(project.dataset, dict) else {}
        show(next_step(Situation(layers=len(self.document.spec), errors=len(report.errors),
                                 data_misfit=any(p.field == "data" for p in report.errors),
                                 data_chosen=bool(dataset.get("source")), training=self.training.is_training(),
                                 trained=self.training.can_continue())))

    @guarded
    def _on_project_replaced(self) -> None:
        self._refresh_title()
        self.canvas.show_model()
        runs = self.document.project.runs  # the last run's layer health, kept with it
        self.canvas.show_health(HealthHistory.from_dict(runs[-1].get("health")) if runs else None)

    # ----- the start page ------------------------------------------------------------------------------
    def _connect_start_page(self) -> None:
        page = self.start_page
        page.template_chosen.connect(self.files.new_from_template_named)
        page.recent_chosen.connect(lambda path: self.files.open_path(Path(path)))
        page.guide_requested.connect(lambda: getattr(self.window, "show_guide", lambda: None)())
        page.open_requested.connect(self.files.open_dialog)
        page.import_requested.connect(self.files.import_dialog)
        page.application_requested.connect(self.files.new_from_application)
        page.layer_dropped.connect(lambda name: self.canvas.add_layer(name) if name in CATALOG else None)
        self.files.recent_changed.connect(lambda: page.set_recent(self.files.recent_files()))
        page.set_recent(self.files.recent_files())
        self._place_start_page()

    def _place_start_page(self) -> None:
        """Centred over the canvas while the model is empty, leaving a margin of canvas around it."""
        canvas, page = self.canvas, self.start_page
        page.setVisible(len(self.document.spec) == 0)
        width, height = min(760, canvas.width() - 48), min(460, canvas.height() - 48)
        page.setGeometry((canvas.width() - width) // 2, (canvas.height() - height) // 2, max(width, 200),
                         max(height, 160))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self._place_start_page()
            self._place_find_bar()
        return False

    # ----- finding a layer -----------------------------------------------------------------------------
    def find_layer(self) -> None:
        self._place_find_bar()
        self.find_bar.open(self.document.spec)

    def _place_find_bar(self) -> None:
        """At the canvas's top right, clear of its scroll bar."""
        bar, canvas = self.find_bar, self.canvas
        width = min(360, max(200, canvas.width() - 40))
        bar.setGeometry(canvas.width() - width - 24, 8, width, bar.sizeHint().height())

    def _found(self, node_id: str, number: int, total: int) -> None:
        self.canvas.select([node_id])
        self._status(f"{node_id} ({self.document.spec.nodes[node_id].type}): match {number} of {total}", 4000)

    def _undo_text_changed(self, text: str) -> None:
        self.actions["edit.undo"].setText(f"&Undo {text}".strip())

    def _redo_text_changed(self, text: str) -> None:
        self.actions["edit.redo"].setText(f"&Redo {text}".strip())

    def _refresh_title(self, *_args: object) -> None:
        self.window.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.window.setWindowModified(self.document.modified)
        if self.document.path:
            self.window.setWindowFilePath(str(self.document.path))

    def check_model(self) -> None:
        report = self.document.revalidate()
        self.show_summary()
        if report.problems:
            self.canvas.select([report.problems[0].node] if report.problems[0].node else [])
        self._status("The model is valid" if report.valid else f"{len(report.errors)} problem(s) found", 5000)

    def show_summary(self) -> None:
        if hasattr(self.window, "docks"):
            self.window.docks["summary"].show()
            self.window.docks["summary"].raise_()

    def start_training(self) -> None:
        self._show_training()
        self.training.start()

    def continue_training(self) -> None:
        self._show_training()
        self.training.continue_training()

    def compare_with_run(self, run_id: str) -> None:
        """The Runs table's "Compare Architecture on the Canvas": the canvas marks what changed since that run."""
        record = self.training.runs.model.record(run_id)
        if record is None or not isinstance(record.get("model"), dict):
            self._status(f"{run_id} keeps no architecture to compare with", 5000)
            return
        from models.training.run_table import run_name

        if not self.canvas.comparison.compare_with(run_name(record), record["model"]):
            self._status(f"The architecture kept with {run_id} cannot be read", 5000)

    def sweep(self) -> None:
        self._show_training()
        self.training.sweeps.open_dialog()

    def _show_training(self) -> None:
        """The curves in front as a run starts, unless the user is watching the maps it will refresh live."""
        if hasattr(self.window, "docks") and not on_screen(self.inspection):
            self.window.docks["training"].show()
            self.window.docks["training"].raise_()

    EXPORTS = {  # kind -> (dialog title, file filter, suffix, is a folder)
        "keras": ("Export Trained Model", "Keras model (*.keras)", ".keras", False),
        "savedmodel": ("Export SavedModel (choose a new folder name)", "Folder (*)", "", True),
        "tflite": ("Export TFLite Model", "TFLite model (*.tflite)", ".tflite", False),
    }

    def _model_ready(self, ready: bool) -> None:
        for key in ("file.export_keras", "file.export_savedmodel", "file.export_tflite", "train.continue"):
            self.actions[key].setEnabled(ready)
        self._update_next_step()

    def export_model(self, kind: str) -> None:
        """Write the trained model in a worker thread (export traces the model: not for the GUI thread)."""
        from gui.model_tasks import ModelTask
        from models.building import export
        model = self.training.trained_model
        if model is None:
            self._status("Train the model first: there is no trained model to export", 6000)
            return
        title, file_filter, suffix, is_folder = self.EXPORTS[kind]
        base = self.document.path.parent if self.document.path else Path.home()
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(base / f"{self.document.spec.name}{suffix}"),
                                              file_filter)
        if not path:
            return
        work = {"keras": export.save_keras, "savedmodel": export.export_saved_model,
                "tflite": export.export_tflite}[kind]
        self.export_task = ModelTask(lambda: work(model, Path(path)), f"Export to {path}", self,
                                     delete_when_finished=True)
        self.export_task.done.connect(lambda written: self._status(f"Wrote {written}", 8000))
        self.export_task.failed.connect(lambda message: self._status(message, 12000))
        self._status(f"Exporting to {path}…", 0)
        self.export_task.start()

    def _show_batch_size(self) -> None:
        self.summary.set_batch_size(TrainingConfig.or_defaults(self.document.project.training).batch_size)

    def _batch_size_from_summary(self, size: int) -> None:
        settings = dict(self.document.project.training)
        if size == TrainingConfig().batch_size:
            settings.pop("batch_size", None)
        else:
            settings["batch_size"] = size
        self.document.set_training(settings)

    def _training_state(self, state: str) -> None:
        self._update_next_step()
        self.actions["train.start"].setEnabled(state == "idle")
        self.actions["train.pause"].setEnabled(state != "idle")
        self.actions["train.pause"].setText("&Resume" if state == "paused" else "&Pause")
        self.actions["train.stop"].setEnabled(state != "idle")
        self.actions["train.continue"].setEnabled(state == "idle" and self.training.trained_model is not None)

    def show_data(self) -> None:
        if hasattr(self.window, "docks"):
            self.window.docks["data"].show()
            self.window.docks["data"].raise_()

    def open_dropped(self, path: str) -> None:
        """Open a project file dropped on the window: after the drop has finished, since the unsaved-changes
        question is a modal dialog that must not run inside a drop event."""
        QTimer.singleShot(0, lambda: self.files.open_path(Path(path)))

    def _status(self, message: str, timeout: int, permanent: bool = False) -> None:
        handler = getattr(self.window, "show_model_status", None)
        if permanent and handler:
            handler(message)
        elif not permanent:
            self.window.statusBar().showMessage(message, timeout)
