"""Computes Explain This Unit in a thread (a forward pass of the model Inspection shows, for the pinned input) and
shows the result in one non-modal dialog."""

from __future__ import annotations

from PySide6.QtCore import QObject

from gui.inspection.explain_view import ExplainDialog
from gui.model_tasks import run_in_thread
from gui.threads import CurrentWorker
from models.inspection.probe import InspectionError
from models.inspection.unit_arithmetic import NotExplainedError


class ExplainRuns(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.dialog: ExplainDialog | None = None
        self.runs = CurrentWorker(self)
        panel.feature_maps.explain_requested.connect(self.explain)

    def explain(self, layer: str, position: tuple) -> None:
        pinned = self.panel.input
        if pinned is None:
            return
        make_model = self.panel.shown_model()
        sample = pinned.sample

        def work():
            from models.inspection.unit_arithmetic import explain_unit

            return explain_unit(make_model(), layer, sample, tuple(position))

        run_in_thread(self.runs, work, "Explaining a unit", self._show, self.panel.message.emit,
                      expected=(NotExplainedError, InspectionError))

    def _show(self, unit) -> None:
        if self.dialog is None:
            self.dialog = ExplainDialog(self.panel)
        self.dialog.show_unit(unit)
