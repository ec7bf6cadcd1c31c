"""Runs the Hierarchy view's measurements in their own threads: the probe by depth with the top patches, and one
unit's field. Each uses the model Inspection shows and the project's data, and the weights the model started from
when its run kept them (the Trainer keeps them; they come back with a saved run's model)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.model_tasks import run_in_thread
from gui.threads import CurrentWorker
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

    def _inputs(self):
        """(the project's dataset, a maker of the shown model), or None after saying what is missing."""
        dataset = self.panel._dataset()
        if dataset is None:
            self.tab.show_failure("Load the project's dataset in the Data panel first: the measures average over "
                                  "its validation samples.")
            return None
        return dataset, self.panel.shown_model()

    def measure(self, layer: str, count: int) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        dataset, make_model = inputs
        trained = self.panel.trained_model
        initial = initial_weights(trained) if trained is not None else None

        def work():
            from models.inspection.hierarchy import measure_hierarchy
            from models.inspection.inputs import samples_of

            samples, labels = samples_of(dataset, "validation", count)
            return measure_hierarchy(make_model(), samples, labels, layer, initial)

        run_in_thread(self.measures, work, "Measuring the hierarchy", self.tab.show_measure, self.tab.show_failure)

    def field(self, layer: str, x01: float, y01: float) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        dataset, make_model = inputs
        count = min(self.tab.samples_spin.value(), 256)  # one batched gradient

        def work():
            from models.inspection.hierarchy import unit_field
            from models.inspection.inputs import samples_of

            samples, _labels = samples_of(dataset, "validation", count)
            return unit_field(make_model(), layer, x01, y01, samples)

        run_in_thread(self.fields, work, "Measuring a unit's field", self.tab.show_field, self.tab.show_failure)
