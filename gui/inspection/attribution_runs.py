"""Computes the Predictions tab's attributions in a worker thread, on the very model the views show and the
pinned input: progress between batches (a few dozen signals, never one per sample), Cancel between them."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.inspection.task_controls import TaskRunner
from models.inspection.probe import InspectionError


class SameObject:
    """Equal only to a wrapper of the very same object."""

    def __init__(self, obj) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SameObject) and other.obj is self.obj

    __hash__ = None


class AttributionRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.predictions
        self.runner = TaskRunner(self.tab.attribution_controls.task, self.tab.show_attribution_status, self)
        self.tab.attribution_key = self.key
        self.tab.attribution_controls.compute_requested.connect(self.compute)

    def key(self) -> tuple:
        """The model and input an attribution is of: the tab forgets its map when either changes (the input by
        identity: an id can be reused once an older input is freed)."""
        source, _make_model, label = self.panel._model_source()
        return source, label, SameObject(self.panel.input)

    def compute(self, method: str, settings: dict) -> None:
        pinned = self.panel.input
        if pinned is None:
            self.tab.show_attribution_status("Load an image first.")
            return
        if self.panel._training():
            self.tab.show_attribution_status("Attributions are computed when training is not running (the "
                                             "weights change under them); stop or wait for the run.")
            return
        if method == "Grad-CAM++":
            settings = {**settings, "layer": self.tab.cam_layer_combo.currentData() or ""}
        make_model, sample, class_index = self.panel.shown_model(), pinned.sample, self.tab.class_combo.currentData()
        key = self.key()

        def work(report):
            from models.inspection.attribution_views import attribute

            return attribute(make_model(), sample, method, class_index, settings, progress=report)

        self.runner.run(work, f"Computing {method}", f"Computing {method}…", lambda view: self._done(view, key),
                        (InspectionError,))

    def _done(self, view, key: tuple) -> None:
        if key == self.key():
            self.tab.show_attribution(view, key)
        else:
            self.tab.show_attribution_status("The image or the model changed while computing: Compute again.")
