"""File handling for the window: New from a template, Open, Open Recent, Save, Save As, code export,
the unsaved-changes question, and crash recovery.

Recovery: while a project has unsaved changes, it is written every `autosave_ms` to a recovery file
named after this process. A clean exit deletes it; a crash leaves it, and the next start offers to
restore it. Files of processes still running (a second Strata window) are left alone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from datasets.file_checks import file_problem
from gui.document import ProjectDocument
from gui.recovery_models import RecoveryModels, models_folder
from gui.threads import CurrentWorker
from models import APP_NAME
from models.atomic_write import clean_stale_temp_files, pid_alive
from models.graph.project import (
    FILE_SUFFIX,
    KERAS_SUFFIXES,
    MAX_FILE_BYTES,
    KerasImportError,
    Project,
    ProjectError,
    parse_json,
)

log = logging.getLogger(__name__)

RECENT_KEY = "files/recent"
RECENT_LIMIT = 10
FILE_FILTER = f"Strata projects (*{FILE_SUFFIX} *.json);;All files (*)"
KERAS_FILTER = f"Keras models ({' '.join('*' + suffix for suffix in KERAS_SUFFIXES)});;All files (*)"
OPEN_FILTER = (f"Strata projects and Keras models (*{FILE_SUFFIX} *.json "
               f"{' '.join('*' + suffix for suffix in KERAS_SUFFIXES)});;{FILE_FILTER}")
RECOVERY_PREFIX = "recovery-"
CLEANUP_DELAY_MS = 5_000


def recovery_dir() -> Path:
    """~/.local/share/Strata/recovery on Linux: fixed, whatever the QApplication calls itself."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base or Path.home() / ".local" / "share") / APP_NAME / "recovery"


def orphaned_recovery_files(folder: Path | None = None) -> list[Path]:
    """Recovery files left by Strata processes that are gone (crashed), newest first."""
    folder = folder or recovery_dir()
    found = []
    for path in folder.glob(f"{RECOVERY_PREFIX}*.json"):
        try:
            pid = int(path.stem.split("-")[1].split(".")[0])
        except (IndexError, ValueError):
            continue
        if not pid_alive(pid):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def read_recovery(path: Path) -> tuple[Project, Path | None, float, dict[str, str]]:
    """The project a recovery file holds, the file it belongs to (None if never saved), when, and the files of
    its unsaved runs' models ({run id: path}); ProjectError when the file is damaged."""
    problem = file_problem(path, "recovery", MAX_FILE_BYTES)
    if problem:
        raise ProjectError(problem)
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
        original, saved_at = data.get("path"), float(data.get("saved_at", 0))
        project = Project.from_dict(data["project"])
        models = {str(k): str(v) for k, v in dict(data.get("models", {})).items()}
        return project, Path(original) if isinstance(original, str) and original else None, saved_at, models
    except ProjectError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise ProjectError(f"the recovery file is damaged ({type(error).__name__})") from None


class FileActions(QObject):
    """Signals `message(str)` for the status bar, `recent_changed()` when the recent list changes, and
    `model_imported(Keras model, run record)` once an imported model's project is shown (its weights are that
    record's model)."""

    message = Signal(str)
    recent_changed = Signal()
    model_imported = Signal(object, object)

    def __init__(self, document: ProjectDocument, window: QWidget, settings: QSettings,
                 autosave_ms: int = 60_000) -> None:
        super().__init__(window)
        self.document = document
        self.window = window
        self.settings = settings
        self.recovery_path = recovery_dir() / f"{RECOVERY_PREFIX}{os.getpid()}{FILE_SUFFIX}"
        self.recovery_models = RecoveryModels(self.recovery_path, self)
        self.recovery_models.written.connect(self._models_kept)
        self.recovery_models.restored.connect(self._model_restored)
        self.recovery_models.failed.connect(lambda text: self.message.emit(f"The unsaved models could not be "
                                                                           f"restored: {text}"))
        self._autosaved_revision = -1
        self._saving = False
        self.imports = CurrentWorker(self)  # the Keras model being imported
        document.project_replaced.connect(self.discard_recovery)  # the old project's work is saved or declined
        QTimer.singleShot(CLEANUP_DELAY_MS, self._clean_recent_folders)  # after start-up, not during it
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # ----- opening ------------------------------------------------------------------------------------
    def new_from_template(self) -> None:
        from gui.dialogs.templates import choose_template

        if not self.confirm_discard():
            return
        project = choose_template(self.window)  # the dialog is deleted when it closes
        if project is not None:
            self._start_from(project)

    def new_from_template_named(self, name: str) -> None:
        """The start page's choice: the template itself, no dialog."""
        from models.templates import load_template

        if self.confirm_discard():
            self._start_from(load_template(name))

    def _start_from(self, project: Project) -> None:
        self.document.replace(project, None)
        self.message.emit(f"New project from “{project.name}”")

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open Strata Project or Keras Model", self._last_folder(),
                                              OPEN_FILTER)
        if path:
            self.open_path(Path(path), ask=False)

    def open_path(self, path: Path, ask: bool = True) -> bool:
        """Open a project file (or import a Keras model file); a broken file gives a message and leaves the current
        project as it was."""
        if Path(path).suffix.lower() in KERAS_SUFFIXES:
            return self.import_path(Path(path), ask)
        if ask and not self.confirm_discard():
            return False
        try:
            project = Project.load(path)
        except ProjectError as error:
            where = f" (layer '{error.node}')" if error.node else ""
            self._warn("Cannot open project", f"{Path(path).name} could not be opened{where}:\n\n{error}")
            return False
        self.document.replace(project, Path(path))
        self.add_recent(Path(path))
        self.message.emit(f"Opened {Path(path).name}")
        return True

    # ----- importing a Keras model ---------------------------------------------------------------------
    def import_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open Keras Model", self._last_folder(), KERAS_FILTER)
        if path:
            self.import_path(Path(path), ask=False)

    def import_path(self, path: Path, ask: bool = True) -> bool:
        """Import a Keras model file; False when the user kept the current project."""
        if ask and not self.confirm_discard():
            return False

        def work():  # TensorFlow is imported here, in the worker, never on the GUI thread
            from models.building.import_project import import_keras_file

            return import_keras_file(path)

        self._import_in_worker(work, path.name, "Open Keras Model", "reading its graph and weights")
        return True

    def new_from_application(self) -> None:
        """File ▸ New from a Known Network: a Keras Applications network, made (and its ImageNet weights
        downloaded by Keras, once) in a worker thread."""
        from gui.dialogs.applications import choose_application

        if not self.confirm_discard():
            return
        choice = choose_application(self.window)
        if choice is None:
            return

        def work():
            from models.building.import_project import project_from_application

            return project_from_application(choice.name, choice.weights, choice.size, choice.classes)

        weights = "downloading its ImageNet weights the first time" if choice.weights else "with random weights"
        self._import_in_worker(work, choice.name, "New from a Known Network", weights)

    def _import_in_worker(self, work, what: str, title: str, doing: str) -> None:
        """Loading weights and building a big model take seconds (a download, minutes): a worker thread, with a
        busy dialog that can be cancelled (the result is then ignored)."""
        from PySide6.QtWidgets import QProgressDialog

        from gui.model_tasks import ModelTask

        dialog = QProgressDialog(f"Opening {what}: {doing}…", "Cancel", 0, 0, self.window)
        dialog.setWindowTitle(title)
        dialog.setMinimumDuration(300)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        task = ModelTask(work, f"Opening {what}", self, delete_when_finished=True)
        task.expected = (KerasImportError,)  # a model that cannot come in: its own plain message, no traceback
        self.imports.replace(task, done=lambda imported: self._imported(imported, dialog),
                             failed=lambda message: self._import_failed(message, what, title, dialog))
        dialog.canceled.connect(lambda: (self.imports.retire(), self.message.emit(f"Stopped opening {what}")))
        task.start()
        self.message.emit(f"Opening {what}…")

    def _imported(self, imported, dialog) -> None:
        dialog.reset()
        self.document.replace_with_import(imported.project, imported.record["id"], imported.model)
        self.model_imported.emit(imported.model, imported.record)
        self.message.emit(imported.summary())

    def _import_failed(self, message: str, what: str, title: str, dialog) -> None:
        dialog.reset()
        self._warn(title, f"{what} could not be opened:\n\n{message}")

    # ----- saving -------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = str(Path(self._last_folder()) / f"{_file_stem(self.document.project.name)}{FILE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save Strata Project", suggested, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(".json"):
            path += FILE_SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        if self._saving:  # a second Save while the models of the first are still being written
            return False
        self._saving = True
        try:
            written = self._write_run_models(path)
            self.document.save(path, written)
        except OSError as error:
            self._warn("Cannot save project", f"{path} could not be written: {error.strerror or error}.\n\n"
                       "Your work is still open; choose another place with Save As.")
            return False
        except ProjectError as error:
            self._warn("Cannot save project", f"{path.name} was not written: {error}.\n\nYour work is still open.")
            return False
        finally:
            self._saving = False
        self.add_recent(path)
        self.discard_recovery()
        self.message.emit(f"Saved {path.name}")
        return True

    def is_saving(self) -> bool:
        """True while a save writes the runs' models (its progress dialog runs an event loop meanwhile)."""
        return self._saving

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes would be lost; False means the user cancelled."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"Save the changes to “{self.document.display_name}” first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _write_run_models(self, path: Path) -> dict[str, str]:
        """Write the runs' trained models beside `path` in a worker thread (a modal progress dialog keeps
        the window painted and its edits out meanwhile); raises OSError when they cannot be written."""
        document = self.document
        previous = document.path
        moving = previous is not None and Path(previous).resolve() != Path(path).resolve()
        if not document.unsaved_models and not (moving and any(r.get("model_file") for r in document.project.runs)):
            return {}
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QProgressDialog

        from gui.model_tasks import ModelTask
        from models.training.run_models import write_run_models

        runs = [dict(r) for r in document.project.runs]  # snapshots cross threads
        unsaved = dict(document.unsaved_models)
        task = ModelTask(lambda: write_run_models(path, runs, unsaved, previous), "Writing the trained models",
                         self)
        outcome: dict[str, object] = {}
        loop = QEventLoop(self)
        task.done.connect(lambda written: (outcome.update(written=written), loop.quit()))
        task.failed.connect(lambda message: (outcome.update(error=message), loop.quit()))
        dialog = QProgressDialog("Writing the trained models…", "", 0, 0, self.window)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)  # at once: it also keeps the window's edits out while the models are written
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        task.start()
        if task.isRunning() or not outcome:
            loop.exec()
        task.wait()
        dialog.close()
        dialog.deleteLater()
        task.deleteLater()
        if "error" in outcome:
            raise OSError(str(outcome["error"]))
        return outcome.get("written", {})

    # ----- export -------------------------------------------------------------------------------------
    def export_code(self) -> None:
        from gui.dialogs.code import CodeDialog

        dialog = CodeDialog(self.document, self.window)
        dialog.exec()
        dialog.deleteLater()

    # ----- recent files ---------------------------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        value = self.settings.value(RECENT_KEY) or []
        paths = [value] if isinstance(value, str) else list(value)
        return [Path(p) for p in paths]

    def add_recent(self, path: Path) -> None:
        path = path.resolve()
        paths = [str(path)] + [str(p) for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, paths[:RECENT_LIMIT])
        self.recent_changed.emit()

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        paths = self.recent_files()
        for index, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{index % 10} {path.name}", lambda p=path: self.open_path(p))
            action.setToolTip(str(path))
            action.setEnabled(path.exists())
        if paths:
            menu.addSeparator()
            menu.addAction("Clear Recent", self._clear_recent)
        else:
            menu.addAction("No recent projects").setEnabled(False)

    def _clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])
        self.recent_changed.emit()

    def _last_folder(self) -> str:
        recent = self.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def _clean_recent_folders(self) -> None:
        """Temporary files that saves of an earlier session left when they were killed (opening or saving a
        project cleans its own folder; this reaches the recent projects' folders too)."""
        for recent in self.recent_files():
            clean_stale_temp_files(recent.parent)

    # ----- recovery -------------------------------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the unsaved project to this process's recovery file (only when changed since last time)."""
        if not self.document.modified or (self.document.revision == self._autosaved_revision
                                          and self.recovery_path.exists()):
            return False
        self.recovery_models.keep(self.document.unsaved_models)  # their weights too (written once, in a worker)
        kept = {run_id: path for run_id, path in self.recovery_models.files.items()
                if run_id in self.document.unsaved_models}
        payload = {"strata_recovery": 1, "saved_at": time.time(),
                   "path": str(self.document.path) if self.document.path else None,
                   "project": self.document.project.to_dict(), "models": kept}
        try:
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.recovery_path.with_suffix(".tmp")
            temp.write_text(json.dumps(payload, allow_nan=False), encoding="utf-8")
            os.replace(temp, self.recovery_path)
        except (OSError, ValueError) as error:
            log.warning("autosave failed: %s", error)
            return False
        self._autosaved_revision = self.document.revision
        return True

    def discard_recovery(self) -> None:
        self.recovery_path.unlink(missing_ok=True)
        self.recovery_models.discard()
        self._autosaved_revision = -1

    def _models_kept(self) -> None:
        """More unsaved models are on disk: the recovery file names them at once."""
        self._autosaved_revision = -1
        self.autosave()

    def _model_restored(self, model, run_id: str) -> None:
        record = next((r for r in self.document.project.runs if r.get("id") == run_id), None)
        if record is None:
            return
        self.document.unsaved_models[run_id] = model  # unsaved work again: a save writes it beside the project
        self.model_imported.emit(model, record)
        self.message.emit(f"Restored the weights of {run_id}")

    def offer_recovery(self) -> bool:
        """At start-up: if a crashed session left work behind, offer to restore it. True when restored."""
        files = orphaned_recovery_files(self.recovery_path.parent)
        if not files:
            return False
        newest = files[0]
        try:
            project, original, saved_at, models = read_recovery(newest)
        except ProjectError as error:
            log.warning("unreadable recovery file %s: %s", newest, error)
            newest.unlink(missing_ok=True)
            return False
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
        name = original.name if original else project.name
        answer = QMessageBox.question(
            self.window, "Restore unsaved work?",
            f"Strata did not close properly. Unsaved changes to “{name}” from {when} were kept.\n\n"
            "Restore them?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        restored = answer == QMessageBox.StandardButton.Yes
        if restored:
            self.document.replace(project, original, modified=True)
            self.message.emit(f"Restored unsaved work on {name}")
            self.autosave()
            if models:  # their folder goes once they are read
                self.recovery_models.restore(models, models_folder(newest))
        for path in files:
            path.unlink(missing_ok=True)
            if not (restored and models and path == newest):
                shutil.rmtree(models_folder(path), ignore_errors=True)
        return restored

    def _warn(self, title: str, text: str) -> None:
        self.message.emit(text.splitlines()[0])
        QMessageBox.warning(self.window, title, text)


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip().replace(" ", "_")
    return stem or "model"
