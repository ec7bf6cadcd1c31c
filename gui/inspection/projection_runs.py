"""Runs the embedding projector in a worker thread: the project's validation samples through the model the views
show, each chosen layer pooled and projected, with progress and Cancel; a clicked point is pinned."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from datasets.base import DatasetError
from gui.inspection.task_controls import TaskRunner
from models.inspection.probe import InspectionError

MEMORY_LIMIT = 512 * 2**20  # bytes of prepared samples the projector holds (for the hover thumbnails too)


class ProjectionRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.tab_views["Embeddings"]
        self.runner = TaskRunner(self.tab.task, self.tab.show_status, self)
        self.tab.compute_requested.connect(self.compute)
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
        sample_bytes = 4 * max(1, int(np.prod([d or 1 for d in dataset.info.input_shape])))
        fitting = max(50, MEMORY_LIMIT // sample_bytes)  # 5,000 photos of 224x224 would take 3 GB
        note = f" (at most {fitting:,} samples of this size fit in memory)" if count > fitting else ""
        count = min(count, fitting)
        classes_known = dataset.info.task == "classification"
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

                projections.append(project_layer(model, layer, samples, labels, method, progress=part,
                                                 classes_known=classes_known))
            return projections, samples, split

        self.runner.run(work, "Projecting activations", f"Projecting {count} {split} samples with {method}{note}…",
                        lambda result: self.tab.show_projections(*result), (InspectionError, DatasetError))

    def pin(self, index: int) -> None:
        self.panel.load_dataset_sample(index, self.tab.split)
