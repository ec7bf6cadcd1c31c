"""The Data panel: choose a source and its options, load it off the GUI thread (progress, Cancel), see
samples, class counts, shapes and value range, check it against the model, adapt the model in one click.

The choice is stored in the project through the document (undoable); the loaded Dataset stays here for
training to use. Dropping a folder, .npz or .csv on the panel loads it.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from datasets.base import Dataset
from datasets.options import option_problem
from datasets.registry import SOURCES, guess_source, resolve_options, source
from gui.data.loader import DatasetLoader
from gui.data.preview import ClassCountChart, SampleGrid
from gui.document import ProjectDocument
from gui.session import Session
from gui.threads import CurrentWorker
from gui.widgets.colors import ERROR, muted_style
from gui.widgets.param_editors import ParamEditor, make_editor
from gui.widgets.slots import guarded
from models.checks.data_fit import adapt_model, check_fit

log = logging.getLogger(__name__)

GROUP_TITLES = {"built-in": "Built-in (made by Strata)", "packaged": "Real data, offline",
                "keras": "Keras datasets (downloaded once)", "own": "Your data"}
AUTO_LOAD_GROUPS = {"built-in", "packaged"}  # cheap and offline: loaded as soon as chosen


class DataPanel(QWidget):
    """Signals `dataset_loaded(Dataset)` (GUI thread, after a load) and `message(str)` for the status bar."""

    dataset_loaded = Signal(object)
    load_failed = Signal(str)
    message = Signal(str)

    def __init__(self, document: ProjectDocument, session: Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.session = session or Session(self)  # holds the loaded dataset and what it was loaded from
        self.loads = CurrentWorker(self)  # the load in progress; a replaced one is no longer heard
        self._replace_invalid_options = False
        self.editors: dict[str, ParamEditor] = {}
        self.setAcceptDrops(True)
        self._build()
        document.dataset_changed.connect(self._show_choice)
        document.project_replaced.connect(self._on_project_replaced)
        document.validated.connect(lambda _report: self._refresh_fit())
        self._show_choice(document.project.dataset, load=False)

    # ----- construction --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox()
        for group, title in GROUP_TITLES.items():
            self.source_combo.addItem(f"— {title} —")
            self.source_combo.model().item(self.source_combo.count() - 1).setEnabled(False)
            for item in SOURCES.values():
                if item.group == group:
                    self.source_combo.addItem(item.title, item.name)
        self.source_combo.activated.connect(self._on_source_chosen)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(muted_style())
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.load_button = QPushButton("Load")
        self.load_button.clicked.connect(self.load)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        self.status = QLabel("Drop an image folder, .npz or .csv here, or choose a source.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fit_label = QLabel()
        self.fit_label.setWordWrap(True)
        self.adapt_button = QPushButton("Adapt the Model to This Data")
        self.adapt_button.setToolTip("Set the Input shape and the output layer's units and activation "
                                     "(undoable)")
        self.adapt_button.clicked.connect(self.adapt_model)
        self.adapt_button.hide()
        self.samples = SampleGrid()
        self.chart = ClassCountChart()
        self.skipped_list = QListWidget()
        self.skipped_list.setMaximumHeight(110)
        self.skipped_list.setWordWrap(True)
        self.skipped_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.skipped_list.hide()

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.source_combo)
        layout.addWidget(self.description)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.skipped_list)
        layout.addWidget(self.fit_label)
        layout.addWidget(self.adapt_button)
        layout.addWidget(self.samples)
        layout.addWidget(self.chart)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self.content = content
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # ----- the choice --------------------------------------------------------------------------------------
    def dataset_for(self, choice: dict[str, Any]) -> Dataset | None:
        """The loaded dataset if it was loaded from `choice` (the session's rule), else None."""
        return self.session.state.dataset_for(choice)

    @property
    def dataset(self) -> Dataset | None:
        return self.session.state.dataset

    @dataset.setter
    def dataset(self, value: Dataset | None) -> None:
        self.session.state.dataset = value

    @property
    def loaded_choice(self) -> dict[str, Any] | None:
        return self.session.state.loaded_choice

    @loaded_choice.setter
    def loaded_choice(self, value: dict[str, Any] | None) -> None:
        self.session.state.loaded_choice = value

    def choice(self) -> dict[str, Any]:
        """The source and the options that differ from its defaults (what the project file stores)."""
        name = self.source_combo.currentData()
        defaults = source(name).defaults()
        options = {key: editor.value() for key, editor in self.editors.items()}
        return {"source": name, "options": {k: v for k, v in options.items() if v != defaults.get(k)}}

    def _show_choice(self, choice: dict[str, Any], load: bool = True, force: bool = False) -> None:
        name = choice.get("source", "shapes")
        if not force and self.editors and name == self.source_combo.currentData() and choice == self.choice():
            return  # the form already shows it (the change came from the form itself)
        if name not in SOURCES:
            self.status.setText(f"The project names an unknown dataset source '{name}'; choose another.")
            return
        index = self.source_combo.findData(name)
        self.source_combo.setCurrentIndex(index)
        chosen = source(name)
        self.description.setText(chosen.description)
        valid = self._build_form(name, choice.get("options", {}))
        self._replace_invalid_options = not valid
        if load and valid and chosen.group in AUTO_LOAD_GROUPS:
            self.load()

    def _build_form(self, name: str, options: dict[str, Any]) -> bool:
        """The option editors for source `name`; False when the options (from a file) are not valid, and the
        form then shows the defaults and says why, without loading anything."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        valid = True
        try:
            values = resolve_options(name, options)
        except ValueError as error:
            valid = False
            self.status.setText(f"<span style='color:{ERROR}'>The project's data options cannot be used: "
                                f"{html.escape(str(error))}.</span> The form shows the default in its place: press "
                                "Load to use it.")
            values = source(name).defaults()  # the file's valid options are kept, each refused one is the default
            known = {option.name: option for option in source(name).options}
            given = options if isinstance(options, dict) else {}
            values.update({key: value for key, value in given.items()
                           if key in known and option_problem(known[key], value) is None})
        for param in source(name).options:
            editor = make_editor(param)
            try:
                editor.set_value(values[param.name])
            except (ValueError, TypeError):
                editor.set_value(param.default)
            editor.edited.connect(self._on_option_edited)
            self.editors[param.name] = editor
            if param.name == "path":
                row = QWidget()
                row_layout = QHBoxLayout(row)
                row_layout.setContentsMargins(0, 0, 0, 0)
                row_layout.addWidget(editor, 1)
                browse = QToolButton()
                browse.setText("Browse…")
                browse.clicked.connect(self.browse)
                row_layout.addWidget(browse)
                self.form.addRow(param.name, row)
            else:
                self.form.addRow(param.name, editor)
        return valid

    @guarded
    def _on_source_chosen(self, _index: int) -> None:
        name = self.source_combo.currentData()
        if name is None:
            return
        self._build_form(name, {})
        self.description.setText(source(name).description)
        self.document.set_dataset(self.choice())
        if source(name).group in AUTO_LOAD_GROUPS:
            self.load()

    @guarded
    def _on_option_edited(self, _value: Any) -> None:
        self.document.set_dataset(self.choice())

    def _on_project_replaced(self) -> None:
        self.cancel()  # the old project's load stops, whether or not the new one loads anything
        self.loads.retire()  # and what it already sent (a result, "cancelled") belongs to the old project
        self.dataset = None  # a new project's data is loaded again, even when it names the same source
        self._show_choice(self.document.project.dataset, force=True)

    @guarded
    def browse(self) -> None:
        kind = source(self.source_combo.currentData()).path_kind
        if kind == "folder":
            path = QFileDialog.getExistingDirectory(self, "Choose an Image Folder (one subfolder per class)")
        else:
            path, _ = QFileDialog.getOpenFileName(self, f"Choose a .{kind} File", "",
                                                  f"{kind.upper()} files (*.{kind});;All files (*)")
        if path:
            self.editors["path"].set_value(path)
            self.document.set_dataset(self.choice())
            self.load()

    # ----- loading -------------------------------------------------------------------------------------------
    def load(self) -> None:
        """Start loading the current choice in a worker thread (a running load is cancelled first)."""
        self.cancel()
        choice = self.choice()
        if self._replace_invalid_options:  # the file's options were refused: the form's defaults take their place
            self._replace_invalid_options = False
            self.document.set_dataset(choice)
        loader = DatasetLoader(choice, self)  # deletes itself once finished: loads do not pile up
        self.loads.replace(loader, progress=self._on_progress, done=self._on_loaded, failed=self._on_failed,
                           cancelled=self._on_cancelled)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.load_button.setEnabled(False)
        self.status.setText(f"Loading {source(choice['source']).title}…")
        loader.start()

    @property
    def loader(self) -> DatasetLoader | None:
        """The load in progress (None once it has finished: a finished loader deletes itself)."""
        return self.loads.worker

    def cancel(self) -> None:
        if self.loader is not None and self.loader.isRunning():
            self.loader.request_stop()
            self.loader.wait(10_000)
        self._loading_done()

    def is_loading(self) -> bool:
        return self.loads.is_running()

    def _loading_done(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.load_button.setEnabled(True)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(text)

    @guarded
    def _on_loaded(self, loaded: tuple[Dataset, np.ndarray, np.ndarray]) -> None:
        dataset, preview_x, preview_y = loaded
        self._loading_done()
        self.dataset = dataset
        self.loaded_choice = self.loader.choice
        info = dataset.info
        counts = " · ".join(f"{split} {count:,}" for split, count in info.counts.items())
        low, high = info.value_range
        self.status.setText(
            f"<b>{info.name}</b>: {info.task}, samples {tuple(info.input_shape)} ({info.input_dtype}), "
            f"values {low:.3g} to {high:.3g}<br>{counts}"
            f"{f' · {info.num_classes} classes' if info.num_classes else ''}<br>"
            f"Preprocessing: {info.preprocessing.describe()}")
        self.skipped_list.clear()
        for skipped in dataset.skipped:
            self.skipped_list.addItem(str(skipped))
        self.skipped_list.setVisible(bool(dataset.skipped))
        if dataset.skipped:
            self.status.setText(self.status.text() + f"<br><b>{len(dataset.skipped)} file(s) skipped</b> "
                                "(listed below)")
        self.samples.show_samples(preview_x, preview_y, info.class_names)
        self.chart.set_counts(info.class_names, info.class_counts)
        self.document.set_data_info(info)  # revalidates: a misfit shows on the cards, the Summary, Check Model
        self.message.emit(f"Loaded {info.name}")
        self.dataset_loaded.emit(dataset)
        self.session.dataset_loaded.emit(dataset)

    def _on_failed(self, text: str) -> None:
        self._loading_done()
        kept = " The previously loaded data is still in use." if self.dataset is not None else ""
        self.status.setText(f"<span style='color:{ERROR}'>{text}</span>{kept}")
        self.message.emit(text.splitlines()[0])
        self.load_failed.emit(text)

    def _on_cancelled(self) -> None:
        self._loading_done()
        self.status.setText("Loading cancelled.")

    # ----- fit to the model -------------------------------------------------------------------------------------
    def _refresh_fit(self) -> None:
        if self.dataset is None:
            self.fit_label.clear()
            self.adapt_button.hide()
            return
        report = check_fit(self.document.spec, self.dataset.info, self.document.report)
        if report.fits:
            self.fit_label.setText(f"✓ Fits the model (loss: {report.loss}).")
        else:
            items = "".join(f"<li>{problem}</li>" for problem in report.problems)
            self.fit_label.setText(f"<b>Does not fit the model:</b><ul style='margin:0'>{items}</ul>")
        self.adapt_button.setVisible(report.can_adapt)

    @guarded
    def adapt_model(self) -> None:
        if self.dataset is None:
            return
        info = self.dataset.info
        self.document.edit(f"Adapt the model to {info.name}", lambda spec: adapt_model(spec, info))
        self.message.emit(f"Adapted the model to {info.name}")

    def _slot_failed(self, message: str) -> None:
        self._loading_done()
        self.status.setText(f"<span style='color:{ERROR}'>{message}</span>")
        self.message.emit(message)

    # ----- drops ----------------------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if self._dropped_choice(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        choice = self._dropped_choice(event)
        if choice is None:
            return
        event.acceptProposedAction()
        self.open_path(choice["options"]["path"])

    def open_path(self, path: str) -> bool:
        """Use a folder, .npz or .csv as the dataset and load it."""
        choice = guess_source(path)
        if choice is None:
            self.status.setText(f"{Path(path).name} is not an image folder, .npz or .csv file.")
            return False
        self.document.set_dataset(choice)  # dataset_changed -> _show_choice, which loads only built-ins
        self.load()
        return True

    @staticmethod
    def _dropped_choice(event) -> dict | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return guess_source(paths[0]) if paths else None
