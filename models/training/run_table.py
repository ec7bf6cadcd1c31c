"""What the Runs table shows of each run record: its name, outcome, size, final and best metrics, and how its
settings differ from a chosen run. Qt-free, so the table, the CLI and the tests read runs the same way."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from datasets.options import quote
from models.training.runs import json_key

# what the trainer records (models.training.trainer.TrainingResult.stopped) -> what the table says
STATUS_TEXT = {"completed": "completed", "early_stopping": "completed (early stop)", "stopped": "stopped",
               "diverged": "diverged", "nan": "nan", "error": "error", "imported": "imported"}
FIRST_METRICS = ("loss", "val_loss", "accuracy", "val_accuracy")
_LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|mape|msle|crossentropy|hinge|divergence|poisson", re.I)
_RUN_NUMBER = re.compile(r"run-(\d+)$")


@dataclass(frozen=True)
class RunRow:
    """One row of the Runs table: a run, or (for repeats) the mean ± std of a group of runs."""

    id: str
    name: str
    status: str
    params: int | None
    final: dict[str, float | None]
    best: dict[str, float | None]
    duration_s: float
    device: str
    seed: int | None
    group: str = ""
    spread: dict[str, float] = field(default_factory=dict)  # metric -> std over a group's runs
    members: tuple[str, ...] = ()  # a group row's run ids


def lower_is_better(metric: str) -> bool:
    """Losses and errors fall as a model learns; accuracies, AUC, precision and recall rise."""
    return bool(_LOWER_IS_BETTER.search(metric))


def best_value(metric: str, values: list[float | None]) -> float | None:
    """The best epoch's value of `metric` (lowest loss, highest accuracy); None when no epoch has a number."""
    numbers = [v for v in values if isinstance(v, int | float) and math.isfinite(v)]
    if not numbers:
        return None
    return min(numbers) if lower_is_better(metric) else max(numbers)


def metric_names(records: list[dict[str, Any]]) -> list[str]:
    """The metrics any run recorded: loss and accuracy first, then the rest by name."""
    names = {name for record in records for name in (record.get("final") or {})}
    return [m for m in FIRST_METRICS if m in names] + sorted(names - set(FIRST_METRICS))


def run_name(record: dict[str, Any]) -> str:
    """The name the user gave the run, else its id."""
    name = record.get("name")
    return name if isinstance(name, str) and name.strip() else str(record.get("id", ""))


def next_run_number(records: list[dict[str, Any]]) -> int:
    """One past the highest `run-N` id, so a new run never takes the id of one that was deleted."""
    numbers = [int(m.group(1)) for r in records if isinstance(r, dict) and (m := _RUN_NUMBER.match(str(r.get("id"))))]
    return max(numbers, default=0) + 1


def run_row(record: dict[str, Any], params: int | None = None) -> RunRow:
    history = record.get("history") or {}
    final = dict(record.get("final") or {})
    seed = (record.get("config") or {}).get("seed")
    recorded = record.get("params")
    return RunRow(
        id=str(record.get("id", "")), name=run_name(record), status=str(record.get("status", "")),
        params=recorded if isinstance(recorded, int) else params,
        final=final, best={m: best_value(m, history.get(m) or [final.get(m)]) for m in final},
        duration_s=float(record.get("duration_s") or 0.0), device=str(record.get("device", "")),
        seed=seed if isinstance(seed, int) else None, group=str(record.get("group", "") or ""))


def group_row(group: str, rows: list[RunRow]) -> RunRow:
    """A group of repeats (the same model and settings, one seed each) as one row: mean final and best metrics,
    with the standard deviation over the runs beside them (population std: the spread of these runs)."""
    metrics = sorted({m for row in rows for m in row.final})
    mean: dict[str, float | None] = {}
    spread: dict[str, float] = {}
    best: dict[str, float | None] = {}
    for metric in metrics:
        values = [row.final.get(metric) for row in rows]
        numbers = [v for v in values if v is not None]
        mean[metric] = sum(numbers) / len(numbers) if numbers else None
        if numbers:
            spread[metric] = math.sqrt(sum((v - mean[metric]) ** 2 for v in numbers) / len(numbers))
        bests = [row.best.get(metric) for row in rows if row.best.get(metric) is not None]
        best[metric] = sum(bests) / len(bests) if bests else None
    statuses = {row.status for row in rows}
    seeds = [row.seed for row in rows if row.seed is not None]
    return RunRow(
        id=group, name=f"{group} ({len(rows)} seeds)", status=statuses.pop() if len(statuses) == 1 else "mixed",
        params=rows[0].params if rows else None, final=mean, best=best,
        duration_s=sum(row.duration_s for row in rows), device=rows[0].device if rows else "",
        seed=min(seeds) if seeds else None, group=group, spread=spread, members=tuple(row.id for row in rows))


def table_rows(records: list[dict[str, Any]], params_of=None) -> list[RunRow]:
    """Every run as a row, and after the last run of each repeat group a row for the whole group.
    `params_of(record)` counts a record's parameters when the record does not say (runs from older files)."""
    rows: list[RunRow] = []
    groups: dict[str, list[RunRow]] = {}
    last_of_group: dict[str, int] = {}
    for index, record in enumerate(records):
        params = None if isinstance(record.get("params"), int) or params_of is None else params_of(record)
        row = run_row(record, params)
        rows.append(row)
        if row.group:
            groups.setdefault(row.group, []).append(row)
            last_of_group[row.group] = index
    for group in sorted(groups, key=lambda g: last_of_group[g], reverse=True):
        rows.insert(last_of_group[group] + 1, group_row(group, groups[group]))
    return rows


def setting_differences(record: dict[str, Any], reference: dict[str, Any]) -> str:
    """How `record`'s settings differ from the reference run's, for a table cell: "learning_rate 0.01,
    batch_size 64, another dataset, another model" (empty when nothing differs, or for the reference itself)."""
    if record is reference:
        return ""
    mine, theirs = record.get("config") or {}, reference.get("config") or {}
    parts = [f"{key} {quote(mine.get(key))}" for key in sorted(set(mine) | set(theirs))
             if json_key(mine.get(key)) != json_key(theirs.get(key))]
    if json_key(record.get("dataset")) != json_key(reference.get("dataset")):
        parts.append("another dataset")
    if record.get("model_fingerprint") != reference.get("model_fingerprint"):
        parts.append("another model")
    return ", ".join(parts)


def format_metric(value: float | None, spread: float | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.4g} ± {spread:.2g}" if spread is not None else f"{value:.4g}"


_PARAMS_BY_FINGERPRINT: dict[str, int | None] = {}


def recorded_params(record: dict[str, Any]) -> int | None:
    """The parameter count of the model a run trained: recorded with the run, else counted once from the
    architecture kept in the record (runs from files written before runs recorded it)."""
    if isinstance(record.get("params"), int):
        return record["params"]
    fingerprint = str(record.get("model_fingerprint", ""))
    if not fingerprint:
        return _count_params(record.get("model"))
    if fingerprint not in _PARAMS_BY_FINGERPRINT:
        _PARAMS_BY_FINGERPRINT[fingerprint] = _count_params(record.get("model"))
    return _PARAMS_BY_FINGERPRINT[fingerprint]


def _count_params(model: Any) -> int | None:
    from models.checks.validate import validate
    from models.graph.project import ProjectError, model_from_dict

    if not isinstance(model, dict):
        return None
    try:
        report = validate(model_from_dict(model))
    except (ProjectError, ValueError, TypeError, KeyError):
        return None
    return report.total_params if report.valid else None
