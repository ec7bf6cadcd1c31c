"""Every view's numbers for one request: opening the input, building the model (random weights until one is
trained) and running the probe, Grad-CAM, saliency and the boundary. Plain Python, no Qt: the Inspection
panel's worker thread calls `Inspector.compute` for the newest request in its queue.

Models and their probes are cached by key, so a new image or layer choice costs one forward pass, not a rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datasets.base import DatasetError
from models.checks.problems import BuildError
from models.inspection.attention import attention_layer_ids
from models.inspection.attribution import (
    GradCam,
    default_cam_layer,
    gradient_views_unavailable,
    saliency,
    spatial_layer_ids,
)
from models.inspection.availability import unavailable_views
from models.inspection.boundary import decision_boundary, model_predictor, takes_plane
from models.inspection.filters import conv_kernels
from models.inspection.inputs import LoadedInput
from models.inspection.predictions import class_count
from models.inspection.probe import InspectionError, Probe
from models.inspection.snapshot import ViewData

log = logging.getLogger(__name__)

KEPT_MODELS = 2  # built models kept: switching between the trained model and an epoch's replay costs no rebuild


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
    replaces_pinned: bool = False  # `load` prepares the pinned input again: if it cannot, the pinned one is void
    weights: list | None = None  # set the model to these first (an epoch of a run, replayed for this input)


@dataclass
class InspectionResult:
    serial: int
    model_label: str = ""
    loaded: LoadedInput | None = None  # set when the request loaded a new input successfully
    input_error: str = ""  # the new input could not be used (the previous one stays)
    error: str = ""  # the model could not be built or run
    input_void: bool = False  # the pinned input no longer applies (to a new model or data); `input_error` says why
    reprepared: LoadedInput | None = None  # for a request that prepared the pinned input again: which one it was
    view: ViewData | None = None  # the numbers, for `view.input`
    replayed: bool = False  # computed with an epoch's weights (a replay), not the model as it is now


class ModelTools:
    """A model with its probe and Grad-CAM, built once per model key."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.probe = Probe(model)
        self.cam = GradCam(model) if len(model.outputs) == 1 else None
        self.predict = model_predictor(model) if takes_plane(model) else None
        self.unavailable = unavailable_views(model)


class Inspector:
    """Computes requests one at a time, keeping the tools of the last model it saw."""

    def __init__(self) -> None:
        self._tools: dict[Any, ModelTools] = {}

    def built(self, model_key: Any) -> Any:
        """The model already built for `model_key` (the one the views show), or None."""
        tools = self._tools.get(model_key)
        return tools.model if tools is not None else None

    def compute(self, request: InspectionRequest) -> InspectionResult:
        result = InspectionResult(request.serial, model_label=request.model_label,
                                  reprepared=request.current if request.replaces_pinned else None,
                                  replayed=request.weights is not None)
        current = request.current
        if request.load is not None:
            try:
                current = result.loaded = request.load()
            except (DatasetError, InspectionError) as error:
                result.input_error = str(error)
                if request.replaces_pinned:
                    result.input_void = True
                    return result
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
            if result.loaded is not None and request.replaces_pinned:  # made again, and still not for this model
                result.loaded, result.input_error, result.input_void = None, str(error), True
            elif result.loaded is not None:  # a new input that does not fit: keep the previous one
                result.loaded, result.input_error = None, str(error)
            else:
                result.error = str(error)
            return result
        view = result.view = ViewData(current, outputs, dict(probe.layer_types),
                                      attention_ids=attention_layer_ids(probe),
                                      unavailable=dict(tools.unavailable))
        view.kernels = conv_kernels(tools.model)
        self._gradients(tools, current, request, view)
        if tools.predict is not None and request.plane_ranges is not None:
            view.boundary = decision_boundary(tools.predict, *request.plane_ranges)
        return result

    @staticmethod
    def _gradients(tools: ModelTools, current: LoadedInput, request: InspectionRequest, view: ViewData) -> None:
        """Grad-CAM and saliency; when they cannot be computed the other views still show, with the reason."""
        reason = gradient_views_unavailable(tools.model, current.sample)
        if reason:
            view.unavailable.setdefault("grad_cam", reason)
            view.unavailable.setdefault("saliency", reason)
            return
        classes = class_count(tools.model)
        class_index = request.cam_class if request.cam_class is not None and request.cam_class < classes else None
        try:
            if "grad_cam" not in view.unavailable:
                view.cam_layers = spatial_layer_ids(tools.model)
                layer = request.cam_layer if request.cam_layer in view.cam_layers else None
                view.cam_layer = layer or default_cam_layer(tools.model)
                view.cam, view.predicted_class = tools.cam(current.sample, view.cam_layer, class_index)
            if "saliency" not in view.unavailable:
                view.saliency, _ = saliency(tools.model, current.sample, class_index)
        except Exception as error:  # a plain reason or a TensorFlow error in the gradient: the other views stay
            log.exception("gradient views failed")
            view.unavailable.setdefault("grad_cam", f"Grad-CAM could not be computed: {error}")

    def _tools_for(self, request: InspectionRequest) -> ModelTools:
        tools = self._tools.pop(request.model_key, None)
        if tools is None:
            tools = ModelTools(request.make_model())
        # the two models last used (the model now and a replica replaying a run's epochs), newest last
        self._tools = dict(list(self._tools.items())[-(KEPT_MODELS - 1):])
        self._tools[request.model_key] = tools
        if request.weights is not None:
            from models.building.builder import set_model_weights

            try:
                set_model_weights(tools.model, request.weights)
                if tools.cam is not None:  # its logits layer is a copy with the weights of its first epoch
                    tools.cam = GradCam(tools.model)
            except ValueError as error:
                raise InspectionError(f"The weights of that epoch do not fit the model: {error}") from error
        return tools
