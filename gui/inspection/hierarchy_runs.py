"""Runs the Hierarchy view's measurements in their own threads: the probe by depth with the top patches, and one
unit's field. Each uses the model Inspection shows (trained, or built from the canvas) and the project's data,
and the weights before training when they are known (this session's run, or kept with the project's run)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.model_tasks import ModelTask
from gui.threads import CurrentWorker
from models.inspection.live import BEFORE_TRAINING
from models.training.initial_weights import initial_weights


class HierarchyRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.tab_views["Hierarchy"]
        self.measures = CurrentWorker(self)
        self.fields = CurrentWorker(self)
        self.tab.measure_requested.connect(self.measure)
        self.tab.field_requested.connect(self.field)

    def initial_weights(self) -> list | None:
        """The model's weights before training: the run's first snapshot, or those kept with the project."""
        panel = self.panel
        if panel.trained_model is None:
            return None
        kept = initial_weights(panel.trained_model)
        if kept is not None:
            return kept
        for snapshot in panel.live_controls.snapshots:
            if snapshot.epoch == BEFORE_TRAINING and snapshot.weights is not None:
                return snapshot.weights
        return None

    def _inputs(self, count: int):
        dataset = self.panel._dataset()
        if dataset is None:
            self.tab.show_failure("Load the project's dataset in the Data panel first: the measures average over "
                                  "its validation samples.")
            return None
        make_model = self.panel.shown_model()
        return dataset, make_model

    def measure(self, layer: str, count: int) -> None:
        inputs = self._inputs(count)
        if inputs is None:
            return
        dataset, make_model = inputs
        initial = self.initial_weights()

        def work():
            from models.inspection.hierarchy import measure_hierarchy
            from models.inspection.inputs import samples_of

            samples, labels = samples_of(dataset, "validation", count)
            return measure_hierarchy(make_model(), samples, labels, layer, initial)

        self._start(work, "Measuring the hierarchy", self.measures, self.tab.show_measure)

    def field(self, layer: str, x01: float, y01: float) -> None:
        inputs = self._inputs(0)
        if inputs is None:
            return
        dataset, make_model = inputs
        count = min(self.tab.samples_spin.value(), 256)  # one batched gradient

        def work():
            from models.inspection.hierarchy import unit_field
            from models.inspection.inputs import samples_of

            samples, _labels = samples_of(dataset, "validation", count)
            return unit_field(make_model(), layer, x01, y01, samples)

        self._start(work, "Measuring a unit's field", self.fields, self.tab.show_field)

    def _start(self, work, description: str, holder: CurrentWorker, done) -> None:
        """`work` in its own thread; the newest of its kind is the one heard."""
        task = ModelTask(work, description, self, delete_when_finished=True)
        holder.replace(task, done=done, failed=self.tab.show_failure)
        task.start()
