"""Runs the Features view's optimisation in a worker thread on the model the views show, in the value range the
model's input takes (the dataset's scaling), with progress and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.inspection.task_controls import TaskRunner
from models.inspection.probe import InspectionError


class FeatureRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.tab_views["Features"]
        self.runner = TaskRunner(self.tab.task, self.tab.show_status, self)
        self.tab.compute_requested.connect(self.compute)

    def compute(self, layer: str, channels: list, settings: dict) -> None:
        if self.panel._training():
            self.tab.show_status("Feature visualization runs when training is not running (the weights change "
                                 "under it); stop or wait for the run.")
            return
        pinned = self.panel.input
        dataset = self.panel._dataset()
        make_model = self.panel.shown_model()

        def work(report):
            from models.inspection.feature_visualization import visualize_channels
            from models.inspection.inputs import samples_of

            # the range the model's inputs take: the data's own (0..1 or 0..255), else the pinned input's
            values = samples_of(dataset, "train", 64)[0] if dataset is not None else pinned.sample
            value_range = (min(0.0, float(values.min())), 1.0 if float(values.max()) <= 1.5 else 255.0)
            return visualize_channels(make_model(), layer, list(channels), size=settings["size"],
                                      steps=settings["steps"], decorrelate=settings["decorrelate"],
                                      value_range=value_range, progress=report)

        self.runner.run(work, "Visualizing features", f"Optimising {len(channels)} image(s) for {layer}…",
                        self.tab.show_result, (InspectionError,))
