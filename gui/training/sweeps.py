"""Sweeps in the Training panel: the dialog, the sweep's runs (each trial recorded as a run the moment it
ends, the best trial's model kept), the results view, and "apply the best values" as one undoable edit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from gui.training.sweep_dialog import SweepDialog
from gui.training.sweep_worker import SweepWorker
from gui.widgets.slots import guarded
from models.training.config import TrainingConfig
from models.training.run_table import next_run_number
from models.training.runs import run_record
from models.training.sweep import Sweep
from models.training.sweep_results import new_sweep_id, sweep_record
from models.training.trainer import TrainingResult, model_fingerprint

if TYPE_CHECKING:
    from gui.training.panel import TrainingPanel


class SweepRunner(QObject):
    def __init__(self, panel: TrainingPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.last: Sweep | None = None  # the dialog opens with the last sweep run
        self.sweep_id = ""
        self.best: tuple[float, str] | None = None  # (objective, run id) of the best trial so far
        self.trials_recorded = 0

    # ----- starting -----------------------------------------------------------------------------------------
    @guarded
    def open_dialog(self) -> None:
        panel = self.panel
        if panel.is_training():
            return
        config = TrainingConfig.or_defaults(panel.document.project.training)
        dialog = SweepDialog(panel.document.spec, config, self.last, panel)
        accepted = dialog.exec()
        sweep = dialog.sweep()
        dialog.deleteLater()
        if accepted and sweep is not None:
            self.start(sweep)

    def start(self, sweep: Sweep) -> None:
        """Run `sweep` on the model and settings as they are now: each trial a run in the Runs table."""
        panel = self.panel
        if panel.is_training():
            return
        config = panel.checked_config()
        if config is None or not panel.model_trainable():
            return
        self.last = sweep
        self.sweep_id = new_sweep_id(panel.document.project.runs)
        self.best = None
        self.trials_recorded = 0
        choice = dict(panel.document.project.dataset)
        worker = SweepWorker(sweep, panel.document.spec, config, panel.session.state.dataset_for(choice), choice,
                             panel)
        worker.trial_started.connect(self._trial_started)
        worker.trial_done.connect(lambda: self._take_trials(worker))
        panel.plots.clear()
        panel.log.clear()
        panel._log(f"{self.sweep_id}: {sweep.search} search of {', '.join(p.target for p in sweep.parameters)}, "
                   f"up to {sweep.trials} trials, for the {'lowest' if sweep.direction == 'min' else 'highest'} "
                   f"{sweep.objective}")
        panel.launch(worker, self.finish)

    # ----- from the worker ----------------------------------------------------------------------------------
    def _trial_started(self, number: int, values: dict[str, Any]) -> None:
        panel = self.panel
        panel.plots.clear()
        shown = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())
        total = self.last.trials if self.last else 0
        panel.run_prefix = f"Trial {number} of up to {total}"
        panel._log(f"{self.sweep_id} trial {number}: {shown}")

    def _take_trials(self, worker: SweepWorker) -> None:
        """Record each finished trial as a run; keep the model of the best trial only (memory)."""
        panel, document = self.panel, self.panel.document
        for outcome in worker.take_outcomes():
            result = outcome.result
            record = run_record(next_run_number(document.project.runs), outcome.spec, worker.dataset_choice,
                                outcome.config, result)
            record["sweep"] = sweep_record(self.sweep_id, outcome.values, worker.sweep.objective)
            record["name"] = f"{self.sweep_id} trial {self.trials_recorded + 1}"
            self.trials_recorded += 1
            better = outcome.objective is not None and result.ok and (
                self.best is None or (outcome.objective < self.best[0] if worker.sweep.direction == "min"
                                      else outcome.objective > self.best[0]))
            if better:
                if self.best is not None:
                    document.unsaved_models.pop(self.best[1], None)
                self.best = (outcome.objective, record["id"])
                panel.session.state.trained_model = result.model  # Inspection shows it once the canvas matches
                panel.session.state.trained_fingerprint = model_fingerprint(outcome.spec)
            document.add_run(record, model=result.model if better else None)
            shown = "no value" if outcome.objective is None else f"{outcome.objective:.4g}"
            panel._log(f"{record['id']} ({result.stopped}): {worker.sweep.objective} {shown}")
        panel.sweep_view.show_runs(document.project.runs, choose=self.sweep_id)

    def finish(self, worker: SweepWorker, result: TrainingResult) -> None:
        """The sweep ended (or the window closes): record what is left, then the panel is idle again."""
        panel = self.panel
        self._take_trials(worker)
        panel.run_prefix = ""
        panel.refresh()
        panel.plots.flush()
        panel.timer.stop()
        panel.progress.setRange(0, 1)
        panel.progress.setValue(1 if result.stopped == "completed" else 0)
        if result.stopped == "error":
            panel._fail(f"The sweep stopped: {result.error}")
        else:
            ended = "finished" if result.stopped == "completed" else "stopped"
            best = f"; best {self.best[1]}: {worker.sweep.objective} {self.best[0]:.4g}" if self.best else ""
            text = f"{self.sweep_id} {ended} after {worker.trials_done} trials{best}"
            panel.progress_label.setText(text)
            panel._log(text)
            panel.message.emit(text)
        if self.best is not None:
            panel._model_ready(True)
        panel.current_run.retire()
        panel.session.running = None
        panel._set_state("idle")
        panel.finished.emit(result)
        panel.session.run_finished.emit(result)
        if worker.trials_done:
            panel.tabs.setCurrentWidget(panel.sweep_view)

    # ----- applying the best values --------------------------------------------------------------------------
    @guarded
    def apply_values(self, values: dict[str, Any]) -> None:
        """The trial's layer parameters into the model and its settings into the training settings: one undo."""
        document = self.panel.document
        layers = {t: v for t, v in values.items() if "." in t}
        settings = {t: v for t, v in values.items() if "." not in t}
        stack = document.undo_stack
        stack.beginMacro(f"Apply {', '.join(values)} from the sweep")
        try:
            if layers:
                def change(spec) -> None:
                    for target, value in layers.items():
                        layer, argument = target.rsplit(".", 1)
                        spec.set_params(layer, **{argument: value})

                document.edit("Apply sweep values", change)
            if settings:
                self.panel.set_settings(settings)
        finally:
            stack.endMacro()
        shown = ", ".join(f"{k} {v}" for k, v in values.items())
        self.panel._log(f"Applied {shown} to the model and settings (Edit ▸ Undo takes them back)")
        self.panel.message.emit(f"Applied the sweep's best values: {shown}")

    def _slot_failed(self, message: str) -> None:
        self.panel._fail(message)

