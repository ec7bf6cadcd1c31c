"""The shape of a run record in a project file, checked when the file is read.

The Runs table, the curve overlays, the Inspection panel and the CLI read these fields directly, so a record
from a hand-edited or damaged file (`"runs": [1]`, a history that is not lists of numbers, a confusion matrix
that does not match its class names) is refused at the reading boundary with a message, instead of breaking
a view later. Fields this version does not know are kept as they are.
"""

from __future__ import annotations

import math
from typing import Any

from datasets.options import quote


def _number(value: Any) -> bool:
    """A finite number a view can format (an integer of 400 digits cannot become a float)."""
    if isinstance(value, bool):
        return False
    return (isinstance(value, int) and abs(value) < 2**63) or (isinstance(value, float) and math.isfinite(value))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _number_or_null(value: Any) -> bool:
    return value is None or _number(value)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(_number_or_null(v) for v in value)


_CHECKS = {
    "id": (lambda v: isinstance(v, str) and 0 < len(v) <= 100, "text of 1 to 100 characters"),
    "name": (lambda v: isinstance(v, str) and len(v) <= 200, "text of up to 200 characters"),
    "group": (lambda v: isinstance(v, str) and len(v) <= 100, "text of up to 100 characters"),
    "sweep": (lambda v: isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("values", {}), dict),
              "an object with the sweep's id and the trial's values"),
    "params": (lambda v: v is None or _whole(v), "a whole number"),
    "started": (lambda v: isinstance(v, str) and len(v) <= 100, "text"),
    "duration_s": (lambda v: _number(v) and v >= 0, "a number of seconds"),
    "device": (lambda v: isinstance(v, str) and len(v) <= 1000, "text"),
    "status": (lambda v: isinstance(v, str) and len(v) <= 100, "text"),
    "message": (lambda v: v is None or (isinstance(v, str) and len(v) <= 100_000), "text or null"),
    "steps": (_whole, "a whole number"),
    "epochs_done": (_whole, "a whole number"),
    "config": (lambda v: isinstance(v, dict), "an object"),
    "dataset": (lambda v: isinstance(v, dict), "an object"),
    "model_fingerprint": (lambda v: isinstance(v, str), "text"),
    "model": (lambda v: isinstance(v, dict), "an object"),
    "history": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and _numbers(s) for k, s in v.items()),
                "an object of metric name: [numbers]"),
    "final": (lambda v: isinstance(v, dict) and all(_number_or_null(x) for x in v.values()),
              "an object of metric name: number"),
    "evaluation": (lambda v: v is None or isinstance(v, dict), "an object"),
    "model_file": (lambda v: isinstance(v, str), "text"),
    "health": (lambda v: isinstance(v, dict) and _numbers(v.get("steps", []))
               and isinstance(v.get("layers", {}), dict)
               and all(isinstance(series, dict) and all(_numbers(values) for values in series.values())
                       for series in v.get("layers", {}).values()),
               "an object of steps and per-layer statistics (lists of numbers)"),
    "continued": (lambda v: isinstance(v, bool), "true or false"),
    "class_names": (lambda v: isinstance(v, list) and len(v) <= 100_000 and all(isinstance(n, str) and len(n) <= 200
                                                                               for n in v), "a list of names"),
}


def run_problem(record: Any) -> str | None:
    """What is wrong with one run record (a phrase to follow "Run 3 in 'runs'"), or None."""
    if not isinstance(record, dict):
        return f"must be a JSON object, got {quote(record)}"
    if "id" not in record:
        return "has no 'id'"
    for key, (ok, expected) in _CHECKS.items():
        if key in record and not ok(record[key]):
            return f"has '{key}' that is not {expected}: {quote(record[key])}"
    return _evaluation_problem(record.get("evaluation"))


def _evaluation_problem(evaluation: dict[str, Any] | None) -> str | None:
    """A confusion matrix is drawn cell by cell: its rows, columns, names and per-class values must agree."""
    if not evaluation or "confusion_matrix" not in evaluation:
        return None
    names, matrix = evaluation.get("class_names"), evaluation.get("confusion_matrix")
    classes = len(names) if isinstance(names, list) else -1
    square = (isinstance(matrix, list) and len(matrix) == classes
              and all(isinstance(row, list) and len(row) == classes and all(_whole(c) for c in row) for row in matrix))
    per_class = all(isinstance(evaluation.get(k), list) and len(evaluation[k]) == classes
                    and all(_number(v) for v in evaluation[k]) for k in ("precision", "recall"))
    if not (square and per_class and all(isinstance(n, str) for n in names) and _number(evaluation.get("accuracy"))
            and isinstance(evaluation.get("split"), str)):
        return ("has an 'evaluation' whose confusion matrix, class names, precision, recall, accuracy and split "
                "do not agree")
    return None


def json_safe(value: Any) -> Any:
    """`value` with every NaN or infinite float as None (null): a diverged run's loss is recorded as missing,
    and the project stays standard JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
