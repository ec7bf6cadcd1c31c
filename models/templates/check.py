"""Train a template exactly as a user would (its own dataset, its own settings) and say how it did: the test
suite runs this for the quick templates, `bench/templates.py` for all of them with the time budget."""

from __future__ import annotations

import time
from dataclasses import dataclass

from datasets.registry import load_dataset
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.trainer import Trainer

TARGET_ACCURACY = 0.90  # every template is a classifier and must reach this with its defaults
BUDGET_SECONDS = 180.0  # ... within 3 minutes on a 2-core machine, loading the data included


@dataclass
class TemplateOutcome:
    name: str
    val_accuracy: float
    seconds: float
    epochs: int
    status: str

    @property
    def ok(self) -> bool:
        return self.status == "completed" and self.val_accuracy >= TARGET_ACCURACY


def train_template(name: str) -> TemplateOutcome:
    project = load_template(name)
    start = time.perf_counter()
    dataset = load_dataset(project.dataset)
    result = Trainer(project.spec, dataset, TrainingConfig.from_dict(project.training)).run()
    seconds = time.perf_counter() - start
    accuracy = result.final.get("val_accuracy", 0.0)
    return TemplateOutcome(name, accuracy, seconds, result.epochs_done, result.stopped)
