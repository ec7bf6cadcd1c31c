"""A sweep's trials as the results view reads them from the project's runs (each trial is a run whose record
says `"sweep": {"id", "values", "objective"}`), so the results come back with the project file."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from models.training.run_table import lower_is_better, run_name

_SWEEP = re.compile(r"sweep-(\d+)$")


@dataclass(frozen=True)
class TrialRow:
    run_id: str
    run_name: str
    values: dict[str, Any]
    objective: float | None
    status: str


@dataclass(frozen=True)
class SweepTrials:
    sweep_id: str
    objective: str
    rows: tuple[TrialRow, ...]

    @property
    def targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row.values))
        return list(seen)

    @property
    def best(self) -> TrialRow | None:
        """The trial with the lowest loss (or highest accuracy...); None when no trial has a value."""
        scored = [row for row in self.rows if row.objective is not None]
        if not scored:
            return None
        return (min if lower_is_better(self.objective) else max)(scored, key=lambda row: row.objective)

    def axis(self, target: str) -> tuple[list[float], list[str]]:
        """Each trial's x for `target`: the number itself, or for names the index into the returned labels."""
        values = [row.values.get(target) for row in self.rows]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return [float(v) for v in values], []
        labels = sorted({str(v) for v in values})
        return [float(labels.index(str(v))) for v in values], labels

    def log_scale(self, target: str) -> bool:
        """A positive range over more than a decade (learning rates) reads best on a log axis."""
        xs, labels = self.axis(target)
        return not labels and min(xs) > 0 and max(xs) / min(xs) > 10


def new_sweep_id(records: list[dict[str, Any]]) -> str:
    numbers = [int(m.group(1)) for sweep_id in sweep_ids(records) if (m := _SWEEP.match(sweep_id))]
    return f"sweep-{max(numbers, default=0) + 1}"


def sweep_ids(records: list[dict[str, Any]]) -> list[str]:
    """The project's sweeps in the order they ran."""
    ids: dict[str, None] = {}
    for record in records:
        sweep = record.get("sweep") if isinstance(record, dict) else None
        if isinstance(sweep, dict) and isinstance(sweep.get("id"), str):
            ids[sweep["id"]] = None
    return list(ids)


def sweep_trials(records: list[dict[str, Any]], sweep_id: str) -> SweepTrials:
    rows, objective = [], "val_loss"
    for record in records:
        sweep = record.get("sweep") if isinstance(record, dict) else None
        if not isinstance(sweep, dict) or sweep.get("id") != sweep_id:
            continue
        objective = str(sweep.get("objective", objective))
        value = (record.get("final") or {}).get(objective)
        finite = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        rows.append(TrialRow(str(record.get("id")), run_name(record), dict(sweep.get("values") or {}),
                             float(value) if finite else None, str(record.get("status", ""))))
    return SweepTrials(sweep_id, objective, tuple(rows))


def sweep_record(sweep_id: str, values: dict[str, Any], objective: str) -> dict[str, Any]:
    """What a trial's run record carries of its sweep."""
    return {"id": sweep_id, "values": dict(values), "objective": objective}
