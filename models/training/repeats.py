"""Repeats: the same model and settings trained once per seed, read together as one result.

One run tells little about a change (a seed alone moves a small model's accuracy by points); the mean and
the spread over a few seeds tell whether a difference is real. Each repeat is an ordinary run whose record
carries the group's id; the group's curves are the mean per epoch with a band of ± one standard deviation.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np

from models.training.config import TrainingConfig

MAX_SEEDS = 50
_GROUP = re.compile(r"seeds-(\d+)$")


def repeat_configs(config: TrainingConfig, count: int) -> list[TrainingConfig]:
    """The run settings for seeds s, s+1, ..., s+count-1 (s: the settings' own seed)."""
    if not 1 <= count <= MAX_SEEDS:
        raise ValueError(f"the number of seeds must be from 1 to {MAX_SEEDS}, not {count}")
    return [dataclasses.replace(config, seed=(config.seed + offset) % 2**32) for offset in range(count)]


def new_group_id(records: list[dict[str, Any]]) -> str:
    """`seeds-N`, one past the highest group of that form in the project."""
    numbers = [int(m.group(1)) for r in records if isinstance(r, dict) and (m := _GROUP.match(str(r.get("group", ""))))]
    return f"seeds-{max(numbers, default=0) + 1}"


def mean_and_std(histories: list[dict[str, list[float | None]]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per metric, the mean and (population) standard deviation over the runs at each epoch. Runs of different
    lengths (early stopping, a stop) count where they have a value; a missing or NaN value is left out."""
    metrics = sorted({m for history in histories for m in history})
    curves = {}
    for metric in metrics:
        series = [history.get(metric) or [] for history in histories]
        length = max((len(s) for s in series), default=0)
        if not length:
            continue
        table = np.full((len(series), length), np.nan)
        for row, values in enumerate(series):
            table[row, :len(values)] = [np.nan if v is None else v for v in values]
        present = ~np.isnan(table).all(axis=0)
        mean = np.full(length, np.nan)
        std = np.full(length, np.nan)
        mean[present] = np.nanmean(table[:, present], axis=0)
        std[present] = np.nanstd(table[:, present], axis=0)
        curves[metric] = (mean, std)
    return curves


@dataclasses.dataclass
class RepeatPlan:
    """Seeds still to train for one group; a run the user stopped, or one that failed with an error, ends the
    group (a diverged seed is a result like any other: the group goes on)."""

    group: str
    configs: list[TrainingConfig]
    index: int = 0

    @property
    def config(self) -> TrainingConfig:
        return self.configs[self.index]

    def label(self) -> str:
        return f"seed {self.config.seed} ({self.index + 1} of {len(self.configs)})"

    def advance(self, status: str) -> TrainingConfig | None:
        """The next seed's settings after a run that ended with `status`, or None when the group is over."""
        if status in ("stopped", "error") or self.index + 1 >= len(self.configs):
            return None
        self.index += 1
        return self.config
