"""What a lesson is, the evidence it measures, and how a running lesson reports progress and hears a stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from datasets.base import Cancelled
from models.training.records import json_safe
from models.training.trainer import Reporter


class LessonStopped(Cancelled):
    """The person stopped the lesson before its evidence was complete."""


class LessonWatch:
    """How a lesson's runs are watched: a Reporter per training run (progress, curves, a stop), and a check between
    runs. The default watches nothing and never stops (the command line)."""

    def reporter(self, label: str, index: int, total: int) -> Reporter:
        """The Reporter for run `index` (1-based) of `total`, named `label` ("deep 3x16, seed 2")."""
        return Reporter()

    def stopped(self) -> bool:
        return False

    def check(self) -> None:
        """Between runs: end the lesson when the person stopped it."""
        if self.stopped():
            raise LessonStopped()


@dataclass
class Evidence:
    """What a lesson measured: `measured` (the claim's number, e.g. the deep net's accuracy) beside `reference`
    (what it is compared with), a `verdict` in plain words, and whether the claim `held` on this run."""

    lesson: str
    claim: str
    measured: dict[str, Any]
    reference: dict[str, Any]
    verdict: str
    held: bool
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # for people: (what, measured, reference)
    seconds: float = 0.0
    project: Any = field(default=None, repr=False)  # the Project trained (written as project.strata.json)
    model: Any = field(default=None, repr=False)  # its trained Keras model (written as model.keras)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"lesson": self.lesson, "claim": self.claim, "measured": self.measured,
                          "reference": self.reference, "verdict": self.verdict, "held": self.held,
                          "table": [list(row) for row in self.rows], "seconds": self.seconds})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Evidence read back from evidence.json (what the window shows of a lesson run before)."""
        return cls(str(data.get("lesson", "")), str(data.get("claim", "")), dict(data.get("measured") or {}),
                   dict(data.get("reference") or {}), str(data.get("verdict", "")), bool(data.get("held")),
                   [tuple(str(cell) for cell in row)[:3] for row in data.get("table") or [] if len(row) >= 3],
                   float(data.get("seconds") or 0.0))


@dataclass(frozen=True)
class Lesson:
    """A claim, the ready project that shows it, where to look, and the experiment that measures it.

    `run(quick, watch)` trains (quick=True: a smaller run with the same property, for tests) and returns the
    Evidence; `project()` is the untrained project the window opens; `workspace` and `view` are the window's
    workspace ("train", "inspect") and Inspection tab the lesson arranges."""

    name: str
    title: str
    claim: str
    look_at: str  # two or three sentences: what to look at while it trains
    run: Callable[[bool, LessonWatch], Evidence]
    project: Callable[[], Any]
    workspace: str = "train"
    view: str = ""
