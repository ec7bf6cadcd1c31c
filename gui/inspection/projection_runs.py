"""Runs the embedding projector in a worker thread: the project's validation samples through the model the views
show, each chosen layer pooled and projected, with progress and Cancel; a clicked point is pinned."""

from __future__ import annotations

from PySide6.QtCore import QObject

from datasets.base import DatasetError
from gui.model_tasks import ProgressTask
from gui.threads import CurrentWorker
from models.inspection.probe import InspectionError


class ProjectionRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.tab_views["Embeddings"]
        self.runs = CurrentWorker(self)
        self.tab.compute_requested.connect(self.compute)
        self.tab.cancel_requested.connect(self.cancel)
        self.tab.pin_requested.connect(self.pin)

    def compute(self, layers: list, method: str, count: int) -> None:
        dataset = self.panel._dataset()
        if dataset is None:
            self.tab.show_status("Load the project's dataset in the Data panel first: the projector places its "
                                 "validation samples.")
            return
        if self.panel._training():
            self.tab.show_status("The projector runs when training is not running (the weights change under it).")
            return
        split = "validation" if dataset.validation is not None and dataset.validation.count else "train"
        make_model = self.panel.shown_model()

        def work(report):
            from models.inspection.inputs import samples_of
            from models.inspection.projection import project_layer

            samples, labels = samples_of(dataset, split, count)
            model = make_model()
            projections = []
            for position, layer in enumerate(layers):
                def part(done: int, total: int, position: int = position) -> None:
                    report(position * total + done, total * len(layers))

                projections.append(project_layer(model, layer, samples, labels, method, progress=part))
            return projections, samples, split

        task = ProgressTask(work, "Projecting activations", (InspectionError, DatasetError), self)
        self.runs.replace(task, done=self._done, failed=self._failed, cancelled=self._cancelled,
                          progress=self.tab.set_progress)
        self.tab.set_running(True)
        self.tab.show_status(f"Projecting {count} {split} samples with {method}…")
        task.start()

    def cancel(self) -> None:
        if self.runs.worker is not None:
            self.runs.worker.request_stop()

    def pin(self, index: int) -> None:
        self.panel.load_dataset_sample(index, self.tab.split)

    def _done(self, result) -> None:
        self.tab.set_running(False)
        self.tab.show_projections(*result)

    def _failed(self, message: str) -> None:
        self.tab.set_running(False)
        self.tab.show_status(message)

    def _cancelled(self) -> None:
        self.tab.set_running(False)
        self.tab.show_status("Cancelled.")
