"""The Training panel's pre-flight checks: run in a worker, shown in the Check tab.

A mixin of TrainingPanel (its `checks` worker holder, `preflight` view, `check_button` and the same
validity checks as Start).
"""

from __future__ import annotations

from gui.training.preflight_view import PreflightWorker
from gui.widgets.slots import guarded


class PreflightRuns:
    @guarded
    def run_checks(self) -> None:
        """The four pre-flight checks on the model, data and settings as they are now, in a worker."""
        if self.is_training() or self.checks.is_running():
            return
        config = self.checked_config()
        if config is None or not self.model_trainable():
            return
        choice = dict(self.document.project.dataset)
        worker = PreflightWorker(self.document.spec, config, self.session.state.dataset_for(choice), choice, self)
        self.checks.replace(worker, progress=self.preflight.show_progress, done=self._checks_done,
                            failed=self._checks_failed)
        self.preflight.set_running(True)
        self.check_button.setEnabled(False)
        self.tabs.setCurrentWidget(self.preflight)
        worker.start()

    def cancel_checks(self) -> None:
        if self.checks.worker is not None:
            self.checks.worker.request_stop()

    def _checks_done(self, results: list) -> None:
        self.preflight.set_running(False)
        self.check_button.setEnabled(not self.is_training())
        self.preflight.show_results(results)
        self._log("Checks: " + self.preflight.progress_label.text())

    def _checks_failed(self, message: str) -> None:
        self.preflight.set_running(False)
        self.check_button.setEnabled(not self.is_training())
        self.preflight.show_message(message or "Cancelled.")
