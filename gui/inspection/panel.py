"""The Inspection panel: load an input, see what every layer makes of it, also while the model trains.

Inputs come from File ▸ Open Image, a drop, the clipboard, the sample photos or the loaded dataset. The
numbers are computed off the GUI thread: by the inspection worker for the trained model (or, before any
training, the model with random weights), and during a run by the training thread itself
(`models/inspection/live.py`), which hands over a snapshot every N steps or seconds and one per epoch for
the replay slider. The panel keeps the previous input when a new one cannot be used, and says why.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QHideEvent, QImage, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from datasets.packaged import SAMPLE_PHOTOS
from gui.document import ProjectDocument
from gui.inspection.attention_runs import AttentionRuns
from gui.inspection.attribution_runs import AttributionRuns
from gui.inspection.explain_runs import ExplainRuns
from gui.inspection.feature_runs import FeatureRuns
from gui.inspection.hierarchy_runs import HierarchyRuns
from gui.inspection.input_preview import EMPTY_HINT, InputPreview
from gui.inspection.layer_strip import LayerStrip
from gui.inspection.live_controls import LiveControls, epoch_text
from gui.inspection.projection_runs import ProjectionRuns
from gui.inspection.tabs import TABS, FeatureMapsTab, InspectionTab, PredictionsTab
from gui.inspection.worker import InspectionWorker
from gui.session import Session
from gui.widgets.colors import muted_style
from gui.widgets.images import png_bytes
from gui.widgets.slots import guarded
from gui.widgets.visibility import on_screen
from models.inspection import inputs as inspection_inputs
from models.inspection.engine import InspectionRequest, InspectionResult
from models.inspection.live import LiveSnapshot
from models.inspection.probe import SCORES_SUFFIX
from models.inspection.snapshot import ViewData
from models.training.initial_weights import initial_weights
from models.training.trainer import model_fingerprint

log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
STRIP_MIN_PANEL_HEIGHT = 360  # px: below this the layer strip would squeeze the maps, so it hides
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def _builder(spec):
    """Builds `spec`'s model (in the inspection worker, never on the GUI thread)."""

    def build_model():
        from models.building.builder import build

        return build(spec).model

    return build_model


class InspectionPanel(QWidget):
    """Signals: `message(str)` for the status bar, `layer_selected(str)` when the user picks a layer here."""

    message = Signal(str)
    layer_selected = Signal(str)
    updated = Signal()  # after a result or snapshot was taken in (GUI thread)

    def __init__(self, document: ProjectDocument, session: Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.session = session or Session(self)  # the loaded data, the trained model, the run in progress
        self.worker = InspectionWorker(self)
        self.worker.finished.connect(self._on_result)
        self.input: inspection_inputs.LoadedInput | None = None
        self.data = ViewData()
        self.trained_model = None
        self.trained_fingerprint = ""
        self.serial = 0
        self.shown_serial = 0
        self.closed = False
        self.cam_choice: tuple[str | None, int | None] = (None, None)
        self._pinned_needs: str | None = None  # "model" | "data": the pinned input must be prepared again
        self._sample_choice: dict | None = None  # the dataset choice a pinned dataset sample was read from
        self.run_spec = None  # the model of the last run as it started: its epochs replay on a replica of it
        self._build()
        self.setMinimumSize(320, 120)  # explicit: the tabs' controls must not force the window wider
        self.setAcceptDrops(True)
        self.recompute_timer = QTimer(self, singleShot=True, interval=400)
        self.recompute_timer.timeout.connect(self.recompute)
        document.spec_changed.connect(self._on_spec_changed)
        document.project_replaced.connect(self._on_project_replaced)
        self.session.run_starting.connect(self._on_run_starting)
        self.session.model_ready.connect(self._on_model_ready)
        self.session.run_finished.connect(self._on_run_finished)
        self.session.dataset_loaded.connect(self._data_changed)
        self._show_empty()

    # ----- construction ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.open_button = QPushButton("Open Image…")
        self.open_button.clicked.connect(self.open_dialog)
        self.photo_button = QToolButton()
        self.photo_button.setText("Sample Photo")
        self.photo_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        photos = QMenu(self.photo_button)
        for name, (title, _function) in SAMPLE_PHOTOS.items():
            photos.addAction(title, lambda name=name: self.load_photo(name))
        self.photo_button.setMenu(photos)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(0, 10 ** 7)
        self.sample_spin.setPrefix("#")
        self.sample_spin.setToolTip("Index of the sample in the chosen split of the loaded dataset")
        self.split_combo = QComboBox()  # samples the model was trained on, or ones it never saw
        for split in ("train", "validation", "test"):
            self.split_combo.addItem(split, split)
        self.split_combo.setToolTip("Take the sample from the training data, or from data the model never trained on")
        self.sample_button = QPushButton("Dataset Sample")
        self.sample_button.clicked.connect(
            lambda: self.load_dataset_sample(self.sample_spin.value(), self.split_combo.currentData()))
        self.paste_button = QPushButton("Paste")
        self.paste_button.clicked.connect(self.paste)
        self.model_label = QLabel()
        self.model_label.setStyleSheet(muted_style())
        bar = QHBoxLayout()
        for widget in (self.open_button, self.photo_button, self.sample_button, self.split_combo, self.sample_spin,
                       self.paste_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.model_label)

        self.preview = InputPreview()
        self.live_controls = LiveControls()
        self.live_controls.snapshot_chosen.connect(self._show_snapshot)
        self.live_controls.epoch_requested.connect(self._submit)
        self.live_controls.latest_chosen.connect(self.recompute)
        self.live_controls.snapshot_arrived.connect(self.updated)
        self.live_controls.message.connect(self.message)
        self.export_png_button = QPushButton("Export PNG…")
        self.export_png_button.clicked.connect(self.export_png_dialog)
        self.export_npy_button = QPushButton("Export .npy…")
        self.export_npy_button.clicked.connect(self.export_arrays_dialog)

        side = QVBoxLayout()
        side.addWidget(self.preview, 1)
        side.addWidget(self.live_controls)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_png_button)
        export_row.addWidget(self.export_npy_button)
        side.addLayout(export_row)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMinimumHeight(side.minimumSize().height())
        # In a short dock the column scrolls instead of drawing its captions over the pictures.
        self.side_scroll = QScrollArea()
        self.side_scroll.setWidget(side_widget)
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setFixedWidth(240 + self.side_scroll.verticalScrollBar().sizeHint().width())

        self.tabs = QTabWidget()
        self.tab_views: dict[str, InspectionTab] = {}
        for title, kind in TABS:
            tab = kind()
            self.tab_views[title] = tab
            self.tabs.addTab(tab, title)
        self.tabs.currentChanged.connect(lambda _index: self._render())
        self.feature_maps.layer_chosen.connect(self.layer_selected)
        self.layer_strip = LayerStrip()  # pick a layer by its picture; shown where the panel has the height
        self.layer_strip.layer_clicked.connect(self._strip_clicked)
        self.feature_maps.layer_chosen.connect(self.layer_strip.set_current)
        self.predictions.cam_requested.connect(self._cam_requested)
        self.hierarchy_runs = HierarchyRuns(self)  # the Hierarchy view's measures, in their own threads
        self.attention_runs = AttentionRuns(self)  # ... and the Attention view's validation average
        self.explain_runs = ExplainRuns(self)  # a double-clicked value's arithmetic
        self.attribution_runs = AttributionRuns(self)  # the Predictions tab's attribution methods
        self.feature_runs = FeatureRuns(self)  # the Features view's optimised images
        self.projection_runs = ProjectionRuns(self)  # the embedding projector

        body = QHBoxLayout()
        body.addWidget(self.side_scroll)
        body.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.layer_strip)
        layout.addLayout(body, 1)

    @property
    def feature_maps(self) -> FeatureMapsTab:
        return self.tab_views["Feature maps"]

    @property
    def predictions(self) -> PredictionsTab:
        return self.tab_views["Predictions"]

    def current_tab(self) -> InspectionTab:
        return self.tabs.currentWidget()

    # ----- inputs --------------------------------------------------------------------------------------------------
    def _input_shape(self) -> tuple:
        spec = self.document.spec
        inputs = spec.input_ids()
        if len(inputs) != 1:
            return ()
        return tuple(spec.nodes[inputs[0]].effective_params()["shape"])

    def _dataset(self):
        return self.session.state.dataset_for(self.document.project.dataset)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Image for Inspection", "", IMAGE_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> None:
        shape, dataset = self._input_shape(), self._dataset()
        self._submit(load=lambda: inspection_inputs.from_file(path, shape, dataset), what=Path(path).name)

    def load_photo(self, name: str) -> None:
        shape, dataset = self._input_shape(), self._dataset()
        self._submit(load=lambda: inspection_inputs.from_photo(name, shape, dataset), what=name)

    def load_bytes(self, data: bytes, name: str = "pasted image") -> None:
        shape, dataset = self._input_shape(), self._dataset()
        self._submit(load=lambda: inspection_inputs.from_bytes(data, name, shape, dataset), what=name)

    def load_dataset_sample(self, index: int, split: str = "train") -> None:
        dataset = self._dataset()
        if dataset is None:
            self.message.emit("Load the project's dataset in the Data panel first, then pick a sample.")
            return
        self._sample_choice = dict(self.document.project.dataset or {})
        self._submit(load=lambda: inspection_inputs.from_dataset(dataset, index, split), what=f"{split} sample {index}")

    @guarded
    def paste(self) -> None:
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasUrls():
            files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
            if files:
                self.load_file(files[0])
                return
        image = clipboard.image()
        if image.isNull():
            self.message.emit("The clipboard holds no image.")
            return
        self.load_bytes(png_bytes(image))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        mime = event.mimeData()
        if mime.hasImage() or any(Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES for url in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        try:
            mime = event.mimeData()
            files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
            if files:
                self.load_file(files[0])
            elif mime.hasImage():
                self.load_bytes(png_bytes(QImage(mime.imageData())), "dropped image")
            event.acceptProposedAction()
        except Exception as error:  # never into Qt's event loop
            log.exception("image drop failed")
            self.message.emit(f"The dropped image could not be used: {error}")

    # ----- computing -------------------------------------------------------------------------------------------
    def _model_source(self) -> tuple[Any, Any, str]:
        epoch = self.live_controls.chosen_epoch()
        if epoch is not None and self.run_spec is not None:
            return ("replay", id(self.run_spec)), _builder(self.run_spec), f"model {epoch_text(epoch)}"
        fingerprint = model_fingerprint(self.document.spec)
        if self.trained_model is not None and fingerprint == self.trained_fingerprint:
            model = self.trained_model
            runs = self.document.project.runs
            imported = bool(runs) and runs[-1].get("status") == "imported"  # weights that came with the model file
            return ("trained", id(model)), (lambda: model), "imported model" if imported else "trained model"
        label = "untrained model (random weights)" if self.trained_model is None else \
            "untrained model: the model changed since it was trained"
        return ("spec", fingerprint), _builder(self.document.spec.copy()), label

    def shown_model(self):
        """A callable giving the very model the views were computed with (built once by the inspection worker; a
        model built again from the canvas would have other random weights), for measures run in other threads."""
        key, make_model, _label = self._model_source()
        built = self.worker.inspector.built(key)
        return (lambda: built) if built is not None else make_model

    def _plane_ranges(self) -> tuple | None:
        from models.inspection.boundary import plane_ranges
        points = self._points()
        return plane_ranges(points[0]) if points is not None else None

    def _points(self) -> tuple[np.ndarray, np.ndarray] | None:
        dataset = self._dataset()
        split = dataset.train if dataset is not None else None
        if split is None or split.x is None or split.x.ndim != 2 or split.x.shape[1] != 2:
            return None
        return split.x, np.asarray(split.y).ravel()

    def _submit(self, load=None, what: str = "", replaces_pinned: bool = False) -> None:
        if self.closed:
            return
        key, make_model, label = self._model_source()
        self.serial += 1
        if load is not None:
            self.message.emit(f"Opening {what}…")
        epoch = self.live_controls.chosen_epoch() if key[0] == "replay" else None
        self.worker.submit(InspectionRequest(key, make_model, label, current=self.input, load=load,
                                             cam_layer=self.cam_choice[0], cam_class=self.cam_choice[1],
                                             plane_ranges=self._plane_ranges(), serial=self.serial,
                                             replaces_pinned=replaces_pinned,
                                             weights=epoch.weights if epoch is not None else None))

    def recompute(self) -> None:
        """Redo the views for the pinned input (after a model edit, a finished run, a Grad-CAM choice, a new project
        or new data); the input itself is prepared again first when the model's input or the data changed."""
        if self.input is None or self._training():
            return
        pinned, needs = self.input, self._pinned_needs
        if needs is None and pinned.dataset_sample is None and pinned.prepared_for != self._input_shape():
            needs = "model"
        self._pinned_needs = None
        if needs is None:
            self._submit()
            return
        # the same data: only the model changed, or the data was loaded again from the same choice (it is made the
        # same way, so sample i is the same sample)
        same_data = needs == "model" or self._sample_choice == dict(self.document.project.dataset or {})
        shape, dataset = self._input_shape(), self._dataset()
        self._submit(load=lambda: inspection_inputs.prepare_again(pinned, shape, dataset, same_data),
                     what=pinned.name, replaces_pinned=True)

    def _training(self) -> bool:
        return self.session.is_training()

    def _on_result(self, result: InspectionResult) -> None:
        self._take_result(result)
        self.updated.emit()

    @guarded
    def _take_result(self, result: InspectionResult) -> None:
        if result.reprepared is not None and result.reprepared is not self.input:
            return  # prepared again from an input the user has since replaced
        if result.input_void:
            self._drop_input(result.input_error)
            return
        if result.input_error:
            kept = " The previous image stays." if self.input is not None else ""
            self.message.emit(f"That input cannot be used: {result.input_error}.{kept}")
        if result.loaded is not None:
            self.input = result.loaded
            self._show_input()
            self.live_controls.set_sample(self.input.sample)
        if result.error:
            self.model_label.setText(result.error)
            self.message.emit(result.error)
            return
        if result.view is None or (self._training() and self.live_controls.drawing_live() and not result.replayed):
            return  # a live run draws its own snapshots
        if result.serial < self.shown_serial or result.view.input is not self.input:
            return  # an older request, or numbers of an input that has since been replaced
        self.shown_serial = result.serial
        self.model_label.setText(f"Showing the {result.model_label}")
        self.data = replace(result.view, points=self._points(), class_names=self._class_names(),
                            source=result.model_label, task=self._task())
        self._render()

    def _task(self) -> str:
        dataset = self._dataset()
        return dataset.info.task if dataset is not None else ""

    def _class_names(self) -> list[str]:
        """The imported model's own class names (ImageNet's) while its weights are the model; else the data's."""
        runs = self.document.project.runs
        if runs and isinstance(runs[-1].get("class_names"), list) and self.trained_model is not None:
            return list(runs[-1]["class_names"])
        dataset = self._dataset()
        return list(dataset.info.class_names) if dataset is not None else []

    def _cam_requested(self, layer: str, class_index) -> None:
        if (layer, class_index) != self.cam_choice:
            self.cam_choice = (layer, class_index)
            self.recompute()

    def _on_model_ready(self, ready: bool) -> None:
        model = self.session.state.trained_model if ready else None
        self.trained_model = model
        runs = self.document.project.runs
        trained_as = runs[-1].get("model_fingerprint") if runs else None  # the architecture that was trained
        self.trained_fingerprint = (trained_as or model_fingerprint(self.document.spec)) if model is not None else ""
        kept = initial_weights(model) if model is not None else None
        if kept is not None and not self.live_controls.snapshots:  # opened with the project: replay its start
            self.run_spec = self.document.spec.copy()
            self.live_controls.keep_initial(kept)
        # a moment later, and not at all if another run has started by then: computing in a third thread
        # beside training and the GUI starved the GUI thread of Python's lock for ~180 ms (bench/training.py)
        self.recompute_timer.start()

    def _on_spec_changed(self, *_args) -> None:
        if self.input is not None:
            self.recompute_timer.start()

    def _on_project_replaced(self) -> None:
        self.trained_model, self.trained_fingerprint, self.run_spec = None, "", None
        self.live_controls.drop_run()
        self.data = ViewData(self.input)
        self._render()
        self._data_changed()

    def _data_changed(self, *_args) -> None:
        """Another project or newly loaded data: the pinned input is prepared again for it (or let go)."""
        if self.input is not None:
            self._pinned_needs = "data"
            self.recompute_timer.start()

    def _drop_input(self, reason: str) -> None:
        """The pinned input cannot be made for the model or data now in use: say so, and show nothing stale."""
        self.input = None
        self.live_controls.clear()
        self.data = ViewData()
        self.model_label.setText("")
        self.preview.clear(f"The pinned input no longer applies: {reason}. Open another image or pick a sample.")
        self.message.emit(f"The pinned input no longer applies: {reason}")
        self._render()

    # ----- live ----------------------------------------------------------------------------------------------------
    def _on_run_starting(self, worker) -> None:
        self.run_spec = self.document.spec.copy()
        sample = self.input.sample if self.input is not None else None
        self.live_controls.start(worker, sample, self._plane_ranges(), on_screen(self))

    def _on_run_finished(self, _result) -> None:
        self.live_controls.finish()

    def set_on_screen(self, shown: bool) -> None:
        """The panel was shown, or hidden or tabbed away (the main window connects its dock's
        `visibilityChanged`). Seen again, the views draw what arrived meanwhile and live refreshes resume."""
        self.live_controls.watch(shown)
        if shown:
            try:
                self._render()
            except Exception:  # never into Qt's event loop
                log.exception("drawing the inspection view failed")

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.set_on_screen(False)

    @guarded
    def _show_snapshot(self, snapshot: LiveSnapshot, source: str) -> None:
        previous = self.data
        self.data = ViewData(self.input, snapshot.outputs, snapshot.layer_types, snapshot.kernels,
                             [k for k in snapshot.layer_types if k + SCORES_SUFFIX in snapshot.outputs],
                             None, previous.cam_layer, previous.cam_layers, None,  # Grad-CAM and saliency were
                             None, snapshot.boundary or previous.boundary, self._points(),  # of the pre-run model
                             self._class_names(), previous.unavailable, source=source, task=self._task())
        self.model_label.setText(f"Showing the model {source}" if source.startswith(("before", "after"))
                                 else f"Showing the model in training ({source})")
        if on_screen(self):
            self._render()

    # ----- drawing -----------------------------------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.model_label.setText("")
        self.preview.clear(EMPTY_HINT)
        self._render()

    def _show_input(self) -> None:
        self.preview.show_input(self.input)
        self.message.emit(f"Inspecting {self.input.name}")

    def _render(self) -> None:
        self.current_tab().show_data(self.data)
        self._show_strip()

    def _show_strip(self) -> None:
        """The strip where the maps keep their room (the Inspect workspace, a tall dock) and there are layers."""
        wanted = self.height() >= STRIP_MIN_PANEL_HEIGHT and bool(self.data.layer_ids())
        self.layer_strip.setVisible(wanted)
        if wanted:
            self.layer_strip.set_data(self.data)
            self.layer_strip.set_current(self.feature_maps.current_layer())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if (event.size().height() >= STRIP_MIN_PANEL_HEIGHT) != (event.oldSize().height() >= STRIP_MIN_PANEL_HEIGHT):
            self._show_strip()

    def _strip_clicked(self, layer_id: str) -> None:
        unchanged = self.feature_maps.current_layer() == layer_id  # else the maps' own choice tells the canvas
        self.select_layer(layer_id)
        if unchanged:
            self.layer_selected.emit(layer_id)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.set_on_screen(True)  # snapshots that arrived while hidden were kept, not drawn

    def owns_focus(self) -> bool:
        """True when the keyboard focus is inside this panel (Edit ▸ Paste then pastes an image here)."""
        focus = QGuiApplication.focusObject()
        return isinstance(focus, QWidget) and (focus is self or self.isAncestorOf(focus))

    def select_layer(self, layer_id: str) -> None:
        """From a click on the canvas: show that layer's maps."""
        if self.feature_maps.select_layer(layer_id) and self.current_tab() is not self.feature_maps:
            self.tabs.setCurrentWidget(self.feature_maps)

    # ----- export ----------------------------------------------------------------------------------------------------
    def export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export View as PNG", "inspection.png", "PNG images (*.png)")
        if path:
            self.export_png(Path(path))

    @guarded
    def export_png(self, path: Path) -> None:
        widget = self.current_tab().export_widget()
        if not widget.grab().save(str(path), "PNG"):
            self.message.emit(f"Could not write {path}")
        else:
            self.message.emit(f"Saved {path}")

    def export_arrays_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Activations", "activations.npy",
                                              "NumPy arrays (*.npy *.npz)")
        if path:
            self.export_arrays(Path(path))

    @guarded
    def export_arrays(self, path: Path) -> Path | None:
        from models.inspection.probe import save_activations
        arrays = self.current_tab().export_arrays()
        if not arrays:
            self.message.emit("This view has no arrays to export yet.")
            return None
        try:
            written = save_activations(path, arrays)
        except OSError as error:
            self.message.emit(f"Could not write {path}: {error}")
            return None
        self.message.emit(f"Saved {written}")
        return written

    def shutdown(self) -> None:
        """Stop the worker thread for good (the window calls this on close): no timer may start it again."""
        self.closed = True
        self.recompute_timer.stop()
        self.worker.request_stop()
        self.worker.wait(10_000)

    def _slot_failed(self, message: str) -> None:
        self.message.emit(message)
