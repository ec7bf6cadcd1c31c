"""Where a run is and how it ended, as the Training panel says it: the progress line and the outcome line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from models.formatting import duration_text
from models.training.trainer import TrainingResult

OUTCOMES = {"completed": "Finished", "stopped": "Stopped", "early_stopping": "Stopped early (no improvement)",
            "nan": "Stopped: the loss became NaN", "diverged": "Stopped: the loss diverged", "error": "Failed"}


@dataclass
class Progress:
    """The latest position, written by the training thread and read by the GUI timer (plain attribute writes:
    atomic under the GIL)."""

    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    steps_per_epoch: int = 0
    step: int = 0
    samples_per_second: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def text(self, batch_size: int, paused: bool) -> str:
        """"epoch 2/5 · step 31/100 · 1,234 samples/s · ETA 0:42", with " (paused)" while paused."""
        total = self.epochs * self.steps_per_epoch
        rate = self.samples_per_second
        remaining = (total - self.step) * batch_size / rate if rate else 0
        state = " (paused)" if paused else ""
        return (f"epoch {self.epoch + 1}/{self.epochs} · step {self.batch + 1}/{self.steps_per_epoch} · "
                f"{rate:,.0f} samples/s · ETA {duration_text(remaining)}{state}")


def outcome_summary(result: TrainingResult) -> str:
    """"Finished", "Stopped: the loss diverged", ... (the reason a run ended, in a few words)."""
    return OUTCOMES.get(result.stopped, result.stopped)


def outcome_text(result: TrainingResult) -> str:
    """The line shown when a run ends: how, after how much, and the final values."""
    final = "  ".join(f"{k} {v:.4g}" for k, v in result.final.items() if k != "learning_rate")
    return (f"{outcome_summary(result)} after {result.epochs_done} epoch(s), {result.steps} steps "
            f"in {duration_text(result.duration)}. {final}")
