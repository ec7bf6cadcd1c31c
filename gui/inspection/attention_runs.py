"""The Attention view's average over the validation set, measured in a thread with the model Inspection shows;
and what the view needs to know of the project (which dataset, so it can mark the task's key tokens)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.model_tasks import run_in_thread
from gui.threads import CurrentWorker

AVERAGE_SAMPLES = 500


class AttentionRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.tab = panel.tab_views["Attention"]
        self.runs = CurrentWorker(self)
        self.tab.average_requested.connect(self.average)
        document = panel.document
        for signal in (document.project_replaced, document.dataset_changed, document.spec_changed):
            signal.connect(self._project_changed)
        panel.session.model_ready.connect(lambda _ready: self.tab.forget_averages())
        self._project_changed()

    def _project_changed(self, *_args) -> None:
        self.tab.dataset_choice = dict(self.panel.document.project.dataset or {})
        self.tab.forget_averages()

    def average(self, layer_id: str) -> None:
        dataset = self.panel._dataset()
        if dataset is None:
            self.tab.summary.setText("Load the project's dataset in the Data panel first: the average is over its "
                                     "validation samples.")
            return
        make_model = self.panel.shown_model()

        def work():
            from models.inspection.attention import average_attention
            from models.inspection.inputs import samples_of
            from models.inspection.probe import Probe

            samples, _labels = samples_of(dataset, "validation", AVERAGE_SAMPLES)
            return layer_id, average_attention(Probe(make_model()), samples, layer_id), len(samples)

        run_in_thread(self.runs, work, "Averaging attention", lambda result: self.tab.show_average(*result),
                      self.tab.summary.setText)
