"""What a lesson is, and the evidence it measures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.training.records import json_safe


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
    seconds: float = 0.0
    project: Any = field(default=None, repr=False)  # the Project trained (written as project.strata.json)
    model: Any = field(default=None, repr=False)  # its trained Keras model (written as model.keras)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"lesson": self.lesson, "claim": self.claim, "measured": self.measured,
                          "reference": self.reference, "verdict": self.verdict, "held": self.held,
                          "seconds": self.seconds})


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    claim: str
    look_at: str  # two or three sentences: what to look at while it trains
    run: Callable[[bool], Evidence]  # quick=True: a smaller run (tests), same property
