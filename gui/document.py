"""The open project as the window sees it: the Project, its file, its undo history and its latest validation.

Every change to the model goes through `edit`, which runs the change on a copy, and pushes an undo command
holding the graph before and after. Undo restores that snapshot, so undoing all steps gives back exactly
the original model (node order, ids and parameters included). Widgets listen to `spec_changed` and
`validated`; none of them edits the spec directly.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from datasets.base import DatasetInfo
from models.checks.data_fit import fit_problems
from models.checks.validate import ValidationReport, validate
from models.graph.project import Project, ProjectError
from models.graph.spec import LocatedError, ModelSpec, same_model

log = logging.getLogger(__name__)


class SpecCommand(QUndoCommand):
    """One edit of the model, stored as the graph before and after (cheap: a 200-layer spec copies in ~1 ms)."""

    MERGE_ID = 4711

    def __init__(self, document: ProjectDocument, text: str, before: ModelSpec, after: ModelSpec,
                 merge_key: tuple | None, select: list[str]) -> None:
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after
        self.merge_key = merge_key
        self.select = select
        self._first_redo = True

    def id(self) -> int:  # noqa: A003 (Qt override)
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        """Successive edits of one field (spin box steps) become one undo step."""
        if not isinstance(other, SpecCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._first_redo:  # the edit is already applied when the command is pushed
            self._first_redo = False
            return
        self.document._set_spec(self.after.copy(), self.select)

    def undo(self) -> None:
        self.document._set_spec(self.before.copy(), [])


class SectionCommand(QUndoCommand):
    """Choosing another dataset or training setting is an edit of the project like any other."""

    def __init__(self, document: ProjectDocument, section: str, before: dict, after: dict, text: str) -> None:
        super().__init__(text)
        self.document, self.section, self.before, self.after = document, section, before, after

    def id(self) -> int:  # noqa: A003 (Qt override)
        return 4712 if self.section == "training" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        """Successive training-setting edits are one step, as spin box steps in the inspector are."""
        if not isinstance(other, SectionCommand) or other.section != self.section:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document._set_section(self.section, self.after)

    def undo(self) -> None:
        self.document._set_section(self.section, self.before)


class RunsCommand(QUndoCommand):
    """Renaming or deleting runs: the whole list of records before and after (the records themselves are
    shared, not copied, so a deleted run comes back as it was, its unsaved model included)."""

    def __init__(self, document: ProjectDocument, text: str, before: list, after: list) -> None:
        super().__init__(text)
        self.document, self.before, self.after = document, before, after

    def redo(self) -> None:
        self.document._set_runs(self.after)

    def undo(self) -> None:
        self.document._set_runs(self.before)


class ProjectDocument(QObject):
    """Signals: `spec_changed(list)` with ids to select, `validated(report)`, `edit_failed(message)`,
    `project_replaced()` after New/Open, `path_changed(path or None)`, `dataset_changed(choice)`,
    `runs_changed()` when runs are added, renamed, deleted or brought back by undo."""

    spec_changed = Signal(list)
    dataset_changed = Signal(dict)
    training_changed = Signal(dict)
    validated = Signal(object)
    edit_failed = Signal(str)
    project_replaced = Signal()
    path_changed = Signal(object)
    runs_changed = Signal()

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.project = project or Project()
        self.path: Path | None = None
        self.revision = 0  # bumped by every change, undo and redo: what autosave compares
        self.report: ValidationReport = validate(self.project.spec)
        self.unsaved_models: dict[str, Any] = {}  # run id -> trained Keras model not yet written by a save
        self.data_info: DatasetInfo | None = None  # the loaded dataset the model must fit (None: not loaded)

    # ----- reading ----------------------------------------------------------------------------------
    @property
    def spec(self) -> ModelSpec:
        return self.project.spec

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else self.project.name or "Untitled"

    # ----- editing ----------------------------------------------------------------------------------
    def edit(self, text: str, change: Callable[[ModelSpec], Any], merge_key: tuple | None = None,
             select: Callable[[Any], list[str]] | None = None) -> Any:
        """Apply `change` to a copy of the model and record it as one undo step.

        A change the graph does not allow (GraphError) leaves the model untouched and emits `edit_failed`
        with the plain message. Returns what `change` returned, or None when it failed or changed nothing.
        """
        before = self.spec.copy()
        working = self.spec.copy()
        try:
            result = change(working)
        except LocatedError as error:  # GraphError, ProjectError: a plain message that names the layer
            self.edit_failed.emit(str(error))
            return None
        except Exception as error:  # a slip in an edit must never reach Qt's event loop or lose the model
            log.exception("edit %r failed", text)
            self.edit_failed.emit(f"{text} failed: {error}")
            return None
        if same_model(working, before):
            return result
        selection = select(result) if select else []
        self._set_spec(working, selection)
        self.undo_stack.push(SpecCommand(self, text, before, working.copy(), merge_key, selection))
        return result

    def set_dataset(self, choice: dict[str, Any]) -> None:
        """Record the project's dataset choice ({"source", "options"}) as an undoable step."""
        self._push_section("dataset", choice, f"Use dataset {choice.get('source')}")

    def set_training(self, settings: dict[str, Any]) -> None:
        """Record the project's training settings (TrainingConfig fields that differ from the defaults)."""
        self._push_section("training", settings, "Change training settings")

    def _push_section(self, section: str, value: dict[str, Any], text: str) -> None:
        value = copy.deepcopy(value)
        current = getattr(self.project, section)
        if value != current:
            self.undo_stack.push(SectionCommand(self, section, copy.deepcopy(current), value, text))

    def add_run(self, record: dict[str, Any], model: Any = None) -> None:
        """Keep a finished training run in the project, and its trained model until a save writes it. Not
        undoable (it happened), but it is unsaved work: the window shows '*' and autosave keeps the record."""
        self.project.runs.append(record)
        if model is not None:
            self.unsaved_models[record["id"]] = model
        self.revision += 1
        self.undo_stack.resetClean()
        self.undo_stack.cleanChanged.emit(False)
        self.runs_changed.emit()

    def rename_run(self, run_id: str, name: str) -> None:
        """Give a run a name of the user's (undoable); the id stays, so files and links to it keep working."""
        runs = list(self.project.runs)
        for index, record in enumerate(runs):
            if record.get("id") == run_id and record.get("name") != name:
                runs[index] = {**record, "name": name}
                self.undo_stack.push(RunsCommand(self, f"Rename {run_id} to {name}", list(self.project.runs), runs))
                return

    def delete_runs(self, run_ids: list[str]) -> None:
        """Remove runs from the project as one undoable step. Their unsaved models stay held until the project
        is closed, so undo brings a run back whole; a save writes only the runs still in the project."""
        doomed = set(run_ids)
        runs = [record for record in self.project.runs if record.get("id") not in doomed]
        if len(runs) != len(self.project.runs):
            count = len(self.project.runs) - len(runs)
            text = f"Delete {run_ids[0]}" if count == 1 else f"Delete {count} runs"
            self.undo_stack.push(RunsCommand(self, text, list(self.project.runs), runs))

    def _set_runs(self, runs: list) -> None:
        self.revision += 1
        self.project.runs = list(runs)
        self.runs_changed.emit()

    def _set_section(self, section: str, value: dict[str, Any]) -> None:
        self.revision += 1
        setattr(self.project, section, copy.deepcopy(value))
        (self.dataset_changed if section == "dataset" else self.training_changed).emit(copy.deepcopy(value))

    def _set_spec(self, spec: ModelSpec, select: list[str]) -> None:
        self.revision += 1
        self.project.spec = spec
        self.spec_changed.emit(list(select))
        self.revalidate()

    def set_data_info(self, info: DatasetInfo | None) -> None:
        """The dataset the project trains on was loaded (or dropped): check the model against it."""
        self.data_info = info
        self.revalidate()

    def revalidate(self) -> ValidationReport:
        """Shapes and parameters, plus the fit to the loaded data: a misfit is a problem like any other."""
        report = validate(self.spec)
        if self.data_info is not None and not report.model_problems:
            for problem in fit_problems(self.spec, self.data_info, report):
                target = report.nodes.get(problem.node)
                (target.problems if target is not None else report.model_problems).append(problem)
        self.report = report
        self.validated.emit(self.report)
        return self.report

    # ----- whole-project changes ----------------------------------------------------------------------
    def replace(self, project: Project, path: Path | None, modified: bool = False) -> None:
        """Show another project (New, Open, restore); its history starts empty."""
        self.project = project
        self.unsaved_models = {}
        self.data_info = None  # until the Data panel has loaded the new project's data
        self.revision += 1
        self.undo_stack.clear()
        self.set_path(path)
        if modified:  # a restored recovery file is unsaved work: keep the window's '*'
            self.undo_stack.resetClean()
        self.spec_changed.emit([])
        self.revalidate()
        self.project_replaced.emit()

    def replace_with_import(self, project: Project, run_id: str, model: Any) -> None:
        """Show an imported model's project: unsaved, its weights held as run `run_id`'s model until a save
        writes them beside the project."""
        self.replace(project, None, modified=True)
        self.unsaved_models[run_id] = model

    def set_path(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        self.path_changed.emit(self.path)

    def save(self, path: Path, model_files: dict[str, str] | None = None) -> None:
        """Atomic save of the project file (Project.save); raises OSError for the caller to report, and then
        changes nothing. `model_files` ({run id: file relative to the project}) are the runs' models the caller
        has just written beside `path` (off the GUI thread, `models.training.run_models`): the runs point at them."""
        model_files = model_files or {}
        before = {id(r): r.get("model_file", "") for r in self.project.runs}
        for record in self.project.runs:
            if record.get("id") in model_files:
                record["model_file"] = model_files[record["id"]]
        try:
            self.project.save(path)
        except (OSError, ProjectError):
            for record in self.project.runs:
                record["model_file"] = before.get(id(record), record.get("model_file", ""))
            raise
        kept = {record.get("id") for record in self.project.runs}
        for run_id in [*model_files, *(i for i in self.unsaved_models if i not in kept)]:
            self.unsaved_models.pop(run_id, None)  # written, or the model of a deleted run: let go
        self.set_path(path)
        self.undo_stack.setClean()
        if self.unsaved_models:  # a run that ended while its siblings were written: still unsaved work
            self.undo_stack.resetClean()
            self.undo_stack.cleanChanged.emit(False)
