"""The Inspection panel's computations, off the GUI thread: opening and preparing the image, building the
model (random weights until one is trained), and every view's numbers (`models/inspection.py`).

One long-lived thread takes requests from a queue; when several are waiting only the newest runs (a user
dragging a slider or editing the model wants the latest state, not a backlog). Models and their probes are
cached by key, so a new image or layer choice costs one forward pass, not a rebuild.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from datasets.base import DatasetError
from gui.inspection.data import ViewData
from gui.threads import ManagedThread
from models.inspection_inputs import LoadedInput

log = logging.getLogger(__name__)


@dataclass
class InspectionRequest:
    """What to compute. `load` (run in the worker) produces a new input; without it `current` is used."""

    model_key: Any
    make_model: Callable[[], Any]
    model_label: str
    current: LoadedInput | None = None
    load: Callable[[], LoadedInput] | None = None
    cam_layer: str | None = None
    cam_class: int | None = None
    plane_ranges: tuple | None = None
    serial: int = 0


@dataclass
class InspectionResult:
    serial: int
    model_label: str = ""
    loaded: LoadedInput | None = None  # set when the request loaded a new input successfully
    input_error: str = ""  # the new input could not be used (the previous one stays)
    error: str = ""  # the model could not be built or run
    view: ViewData | None = None  # the numbers, for `view.input`


class _ModelTools:
    """A model with its probe and Grad-CAM, built once per model key."""

    def __init__(self, model: Any) -> None:
        from models import inspection

        self.model = model
        self.probe = inspection.Probe(model)
        self.cam = inspection.GradCam(model) if len(model.outputs) == 1 else None
        self.predict = inspection.model_predictor(model) if inspection.takes_plane(model) else None
        self.unavailable = inspection.unavailable_views(model)


class InspectionWorker(ManagedThread):
    """`finished(InspectionResult)` is queued to the GUI thread after every request that ran."""

    finished = Signal(object)
    _STOP = object()
    pauses_garbage_collection = False  # it lives as long as the panel and runs models eagerly, never tracing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requests: queue.Queue = queue.Queue()
        self._tools: dict[Any, _ModelTools] = {}

    # ----- GUI thread ---------------------------------------------------------------------------------------------
    def submit(self, request: InspectionRequest) -> None:
        if not self.isRunning():
            self.start()
        self.requests.put(request)

    def request_stop(self) -> None:
        super().request_stop()
        self.requests.put(self._STOP)

    # ----- worker thread ----------------------------------------------------------------------------------------
    def run(self) -> None:
        while True:
            request = self.requests.get()
            pending = [request]
            while not self.requests.empty():  # only the newest of a backlog runs; a new input must not be lost
                pending.append(self.requests.get_nowait())
            if any(item is self._STOP for item in pending):
                return
            newest = pending[-1]
            if newest.load is None:
                loads = [item for item in pending if item.load is not None]
                if loads:
                    newest.load = loads[-1].load
            try:
                self.finished.emit(self.compute(newest))
            except Exception as error:  # never let the thread die: the panel must hear about it
                log.exception("inspection failed")
                self.finished.emit(InspectionResult(newest.serial, error=f"Inspection failed: {error}"))

    def compute(self, request: InspectionRequest) -> InspectionResult:
        from models import inspection
        from models.inspection import InspectionError
        from models.problems import BuildError

        result = InspectionResult(request.serial, model_label=request.model_label)
        current = request.current
        if request.load is not None:
            try:
                current = result.loaded = request.load()
            except (DatasetError, InspectionError) as error:
                result.input_error = str(error)
        if current is None:
            return result
        try:
            tools = self._tools_for(request)
        except BuildError as error:
            result.error = f"The model cannot be built yet: {error}"
            return result
        except InspectionError as error:
            result.error = str(error)
            return result
        probe = tools.probe
        try:
            outputs = probe(current.sample)
        except InspectionError as error:
            if result.loaded is not None:  # a new input that does not fit: keep the previous one
                result.loaded, result.input_error = None, str(error)
            else:
                result.error = str(error)
            return result
        view = result.view = ViewData(current, outputs, dict(probe.layer_types),
                                      attention_ids=inspection.attention_layer_ids(probe),
                                      unavailable=dict(tools.unavailable))
        view.kernels = inspection.conv_kernels(tools.model)
        self._gradients(tools, current, request, view)
        if tools.predict is not None and request.plane_ranges is not None:
            view.boundary = inspection.decision_boundary(tools.predict, *request.plane_ranges)
        return result

    @staticmethod
    def _gradients(tools: _ModelTools, current: LoadedInput, request: InspectionRequest, view: ViewData) -> None:
        """Grad-CAM and saliency; when they cannot be computed the other views still show, with the reason."""
        from models import inspection

        reason = inspection.gradient_views_unavailable(tools.model, current.sample)
        if reason:
            view.unavailable.setdefault("grad_cam", reason)
            view.unavailable.setdefault("saliency", reason)
            return
        classes = inspection.class_count(tools.model)
        class_index = request.cam_class if request.cam_class is not None and request.cam_class < classes else None
        try:
            if "grad_cam" not in view.unavailable:
                view.cam_layers = inspection.spatial_layer_ids(tools.model)
                layer = request.cam_layer if request.cam_layer in view.cam_layers else None
                view.cam_layer = layer or inspection.default_cam_layer(tools.model)
                view.cam, view.predicted_class = tools.cam(current.sample, view.cam_layer, class_index)
            if "saliency" not in view.unavailable:
                view.saliency, _ = inspection.saliency(tools.model, current.sample, class_index)
        except Exception as error:  # a plain reason or a TensorFlow error in the gradient: the other views stay
            log.exception("gradient views failed")
            view.unavailable.setdefault("grad_cam", f"Grad-CAM could not be computed: {error}")

    def _tools_for(self, request: InspectionRequest) -> _ModelTools:
        tools = self._tools.get(request.model_key)
        if tools is None:
            tools = _ModelTools(request.make_model())
            self._tools = {request.model_key: tools}  # one model at a time: an old one is never shown again
        return tools
