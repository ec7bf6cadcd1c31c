"""The Training panel's repeats: "Start N Runs" trains the same model and settings once per seed, one run
after another, and shows the group as mean ± std once its last seed ends.

A mixin of TrainingPanel (its `repeat` plan, `_start`, `_log`, `runs` and buttons).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from models.training.config import ConfigError
from models.training.repeats import RepeatPlan, new_group_id, repeat_configs
from models.training.run_table import format_metric
from models.training.trainer import TrainingResult


class RepeatRuns:
    def _seeds_changed(self, count: int) -> None:
        self.seeds_spin.setSuffix(" seed" if count == 1 else " seeds")
        self.start_button.setText("Start" if count == 1 else f"Start {count} Runs")

    def start_repeats(self, count: int) -> None:
        """Train the model `count` times with seeds s..s+count-1, one run after the other, as one group."""
        if self.is_training():
            return
        if count <= 1:
            self.repeat = None
            self._start(None)
            return
        try:
            configs = repeat_configs(self.config(), count)
        except (ConfigError, TypeError, ValueError) as error:
            self._fail(f"The training settings are not valid: {error}")
            return
        self.repeat = RepeatPlan(new_group_id(self.document.project.runs), configs)
        self._log(f"{self.repeat.group}: {count} runs of the same model and settings, seeds "
                  f"{configs[0].seed} to {configs[-1].seed}")
        self._start(None, configs[0])

    def _next_repeat(self, result: TrainingResult, closing: bool) -> None:
        """Start the group's next seed, or, after its last, plot the group as mean ± std and say the figures."""
        plan = self.repeat
        following = None if closing else plan.advance(result.stopped)
        if following is not None:
            QTimer.singleShot(0, self, lambda: self._start(None, following) if self.repeat is plan else None)
            return
        self.repeat = None
        finished = plan.index + 1
        if finished < len(plan.configs):
            self._log(f"{plan.group}: stopped after {finished} of {len(plan.configs)} seeds "
                      f"({result.stopped}); the other seeds were not run.")
        row = self.runs.model.row_of(plan.group)
        if row is None:
            return
        figures = ", ".join(f"{m} {format_metric(v, row.spread.get(m))}" for m, v in row.final.items()
                            if v is not None)
        self._log(f"{plan.group}, {len(row.members)} seeds, mean ± std: {figures}")
        self.runs.model.set_plotted(self.runs.model.plotted | {plan.group})
