"""Lessons measured by experiments: "depth helps" (a shallow and a deep net of the same size, several seeds
each) and "the learning rate matters" (the same net at a rate too small, a good one and one too large)."""

from __future__ import annotations

import numpy as np

from models.graph.project import Project
from models.graph.spec import ModelSpec
from models.lessons.evidence import Evidence, Lesson, LessonWatch
from models.lessons.specs import chain
from models.training.config import TrainingConfig

SPIRALS = {"source": "toy2d", "options": {"kind": "spirals", "samples": 1000}}
SHALLOW, DEEP = [128], [16, 16, 16]  # 642 and 626 parameters: the same budget, spent wide or deep


def mlp(widths: list[int], name: str) -> ModelSpec:
    """Two inputs (a point of the plane), ReLU layers of these widths, two classes."""
    hidden = [(f"dense_{i}", "Dense", {"units": width, "activation": "relu"}) for i, width in enumerate(widths, 1)]
    return chain(name, [("points", "Input", {"shape": [2]}), *hidden,
                        ("classes", "Dense", {"units": 2, "activation": "softmax"})])


def train_recorded(spec: ModelSpec, data, config: TrainingConfig, group: str, records: list, dataset: dict,
                   reporter=None, name: str = ""):
    """Train one run and add its record (grouped under `group`) to `records`, as the window's runs are."""
    from models.checks.validate import validate
    from models.training.run_table import next_run_number
    from models.training.runs import run_record
    from models.training.trainer import Trainer

    result = Trainer(spec, data, config, reporter).run()
    record = run_record(next_run_number(records), spec, dataset, config, result,
                        params=validate(spec).total_params)
    if group:  # repeats of one model: a mean ± std row in the Runs table
        record["group"] = group
    if name:
        record["name"] = name
    records.append(record)
    return result


def depth_project(records: list | None = None, epochs: int = 40) -> Project:
    return Project(spec=mlp(DEEP, "deep 3x16"), name="Lesson: does depth help?", dataset=dict(SPIRALS),
                   training={"epochs": epochs, "batch_size": 32, "learning_rate": 0.01}, runs=records or [])


def run_depth(quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    from datasets.registry import load_dataset

    data = load_dataset(SPIRALS)
    seeds, epochs = (2, 25) if quick else (3, 40)
    records: list = []
    finals: dict[str, list[float]] = {}
    last_deep = None
    watch = watch or LessonWatch()
    for number, (label, widths) in enumerate((("shallow 1x128", SHALLOW), ("deep 3x16", DEEP))):
        spec = mlp(widths, label)
        for seed in range(seeds):
            watch.check()
            config = TrainingConfig(epochs=epochs, batch_size=32, learning_rate=0.01, seed=seed)
            reporter = watch.reporter(f"{label}, seed {seed}", number * seeds + seed + 1, 2 * seeds)
            result = train_recorded(spec, data, config, label, records, SPIRALS, reporter)
            finals.setdefault(label, []).append(result.final.get("val_accuracy", float("nan")))
            if label.startswith("deep"):
                last_deep = result.model
    shallow, deep = (np.array(finals[k]) for k in ("shallow 1x128", "deep 3x16"))
    held = bool(deep.mean() - deep.std() > shallow.mean() + shallow.std())
    verdict = (f"With about the same number of weights (626 deep, 642 shallow), the deep net reached "
               f"{deep.mean():.2f} ± {deep.std():.2f} validation accuracy on the spirals over {seeds} seeds, the "
               f"shallow one {shallow.mean():.2f} ± {shallow.std():.2f}. "
               + ("Depth helped, by more than the seeds' spread." if held else
                  "Here the difference is within the seeds' spread: not shown on this run."))
    watch.check()
    project = depth_project(records, epochs)
    rows = [(f"Validation accuracy after {epochs} epochs, mean ± std over {seeds} seeds",
             f"deep 3x16: {deep.mean():.2f} ± {deep.std():.2f}", f"shallow 1x128: {shallow.mean():.2f} ± "
             f"{shallow.std():.2f}"), ("Weights", "626", "642")]
    return Evidence("depth", DEPTH_CLAIM, {"deep val_accuracy": finals["deep 3x16"]},
                    {"shallow val_accuracy": finals["shallow 1x128"]}, verdict, held, rows, project=project,
                    model=last_deep)


RATES = {"too small": 1e-4, "too large": 1.0, "good": 1e-2}  # the good run last: its model is the one kept


def rate_project(records: list | None = None, epochs: int = 40) -> Project:
    return Project(spec=mlp(DEEP, "deep 3x16"), name="Lesson: the learning rate", dataset=dict(SPIRALS),
                   training={"epochs": epochs, "batch_size": 32, "learning_rate": RATES["good"]},
                   runs=records or [])


def run_learning_rate(quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    from datasets.registry import load_dataset

    data = load_dataset(SPIRALS)
    epochs = 25 if quick else 40
    records: list = []
    measured: dict[str, dict[str, float | str]] = {}
    good_model = None
    spec = mlp(DEEP, "deep 3x16")
    watch = watch or LessonWatch()
    for number, (label, rate) in enumerate(RATES.items(), 1):
        watch.check()
        config = TrainingConfig(epochs=epochs, batch_size=32, learning_rate=rate, seed=0)
        reporter = watch.reporter(f"learning rate {rate:g} ({label})", number, len(RATES))
        result = train_recorded(spec, data, config, "", records, SPIRALS, reporter, f"rate {rate:g} ({label})")
        losses = result.history.get("loss") or [float("nan")]
        measured[label] = {"learning_rate": rate, "val_accuracy": result.final.get("val_accuracy"),
                           "first_loss": losses[0], "last_loss": losses[-1], "status": result.stopped}
        if label == "good":
            good_model = result.model
    small, large, good = (measured[k].get("val_accuracy") or 0.0 for k in ("too small", "too large", "good"))
    held = bool(good > small + 0.1 and good > large + 0.1)
    too_large = measured["too large"]
    overshoot = (f"its loss exploded and the run stopped ({too_large['status']})" if too_large["status"] in
                 ("diverged", "nan") else f"{large:.2f}: the steps overshoot")
    verdict = (f"The same net, {epochs} epochs: at {RATES['too small']:g} it reached {small:.2f} (the steps are too "
               f"small to get far), at {RATES['good']:g} {good:.2f}, at {RATES['too large']:g} {overshoot}. "
               + ("The middle rate won by a wide margin." if held else "Here the rates did not separate clearly."))
    watch.check()
    project = rate_project(records, epochs)
    rows = [(f"Validation accuracy after {epochs} epochs", f"rate {RATES['good']:g}: {good:.2f}",
             f"rate {RATES['too small']:g}: {small:.2f} · rate {RATES['too large']:g}: "
             + (str(too_large["status"]) if too_large["status"] in ("diverged", "nan") else f"{large:.2f}"))]
    return Evidence("learning-rate", RATE_CLAIM, {"good": measured["good"]},
                    {"too small": measured["too small"], "too large": measured["too large"]}, verdict, held, rows,
                    project=project, model=good_model)


DEPTH_CLAIM = "A deeper network learns a twisted boundary better than a wide shallow one of the same size."
RATE_CLAIM = "The learning rate decides whether a network learns at all: too small crawls, too large overshoots."

DEPTH = Lesson("depth", "Does depth help?", DEPTH_CLAIM,
               "Two networks with the same number of weights learn the spirals: one wide layer of 128, or three "
               "layers of 16. Watch the validation accuracy of each, over three seeds: the band shows how much "
               "luck alone moves it.", run_depth, depth_project, workspace="train")
LEARNING_RATE = Lesson("learning-rate", "What does the learning rate do?", RATE_CLAIM,
                       "The same network trains three times, with a learning rate of 0.0001, 1 and 0.01. Watch the "
                       "loss: at 0.0001 it barely moves, at 1 it jumps and stays high (or the run stops), at 0.01 "
                       "it falls.",
                       run_learning_rate, rate_project, workspace="train")
