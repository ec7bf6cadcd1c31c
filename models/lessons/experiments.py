"""Lessons measured by experiments: "depth helps" (a shallow and a deep net of the same size, several seeds
each) and "the learning rate matters" (the same net at a rate too small, a good one and one too large)."""

from __future__ import annotations

import numpy as np

from models.graph.project import Project
from models.graph.spec import LayerNode, ModelSpec
from models.lessons.evidence import Evidence, Lesson
from models.training.config import TrainingConfig

SPIRALS = {"source": "toy2d", "options": {"kind": "spirals", "samples": 1000}}
SHALLOW, DEEP = [128], [16, 16, 16]  # 642 and 626 parameters: the same budget, spent wide or deep


def mlp(widths: list[int], name: str) -> ModelSpec:
    """Two inputs (a point of the plane), ReLU layers of these widths, two classes."""
    spec = ModelSpec(name=name)
    spec.nodes["points"] = LayerNode("points", "Input", {"shape": [2]}, [])
    previous = "points"
    for index, width in enumerate(widths, 1):
        spec.nodes[f"dense_{index}"] = LayerNode(f"dense_{index}", "Dense",
                                                 {"units": width, "activation": "relu"}, [previous])
        previous = f"dense_{index}"
    spec.nodes["classes"] = LayerNode("classes", "Dense", {"units": 2, "activation": "softmax"}, [previous])
    return spec


def _train(spec: ModelSpec, data, config: TrainingConfig, group: str, records: list):
    from models.checks.validate import validate
    from models.training.run_table import next_run_number
    from models.training.runs import run_record
    from models.training.trainer import Trainer

    result = Trainer(spec, data, config).run()
    record = run_record(next_run_number(records), spec, SPIRALS, config, result,
                        params=validate(spec).total_params)
    record["group"] = group
    records.append(record)
    return result


def run_depth(quick: bool = False) -> Evidence:
    from datasets.registry import load_dataset

    data = load_dataset(SPIRALS)
    seeds, epochs = (2, 25) if quick else (3, 40)
    records: list = []
    finals: dict[str, list[float]] = {}
    last_deep = None
    for label, widths in (("shallow 1x128", SHALLOW), ("deep 3x16", DEEP)):
        spec = mlp(widths, label)
        for seed in range(seeds):
            config = TrainingConfig(epochs=epochs, batch_size=32, learning_rate=0.01, seed=seed)
            result = _train(spec, data, config, label, records)
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
    project = Project(spec=mlp(DEEP, "deep 3x16"), name="Lesson: does depth help?", dataset=dict(SPIRALS),
                      training={"epochs": epochs, "batch_size": 32, "learning_rate": 0.01}, runs=records)
    return Evidence("depth", DEPTH_CLAIM, {"deep val_accuracy": finals["deep 3x16"]},
                    {"shallow val_accuracy": finals["shallow 1x128"]}, verdict, held, project=project,
                    model=last_deep)


RATES = {"too small": 1e-4, "good": 1e-2, "too large": 1.0}


def run_learning_rate(quick: bool = False) -> Evidence:
    from datasets.registry import load_dataset

    data = load_dataset(SPIRALS)
    epochs = 25 if quick else 40
    records: list = []
    measured: dict[str, dict[str, float | str]] = {}
    good_model = None
    spec = mlp(DEEP, "deep 3x16")
    for label, rate in RATES.items():
        config = TrainingConfig(epochs=epochs, batch_size=32, learning_rate=rate, seed=0)
        result = _train(spec, data, config, f"rate {rate:g}", records)
        losses = result.history.get("loss") or [float("nan")]
        measured[label] = {"learning_rate": rate, "val_accuracy": result.final.get("val_accuracy"),
                           "first_loss": losses[0], "last_loss": losses[-1], "status": result.stopped}
        if label == "good":
            good_model = result.model
    small, good, large = (measured[k].get("val_accuracy") or 0.0 for k in RATES)
    held = bool(good > small + 0.1 and good > large + 0.1)
    too_large = measured["too large"]
    overshoot = (f"its loss exploded and the run stopped ({too_large['status']})" if too_large["status"] in
                 ("diverged", "nan") else f"{large:.2f}: the steps overshoot")
    verdict = (f"The same net, {epochs} epochs: at {RATES['too small']:g} it reached {small:.2f} (the steps are too "
               f"small to get far), at {RATES['good']:g} {good:.2f}, at {RATES['too large']:g} {overshoot}. "
               + ("The middle rate won by a wide margin." if held else "Here the rates did not separate clearly."))
    project = Project(spec=spec, name="Lesson: the learning rate", dataset=dict(SPIRALS),
                      training={"epochs": epochs, "batch_size": 32, "learning_rate": RATES["good"]}, runs=records)
    return Evidence("learning-rate", RATE_CLAIM, {"good": measured["good"]},
                    {"too small": measured["too small"], "too large": measured["too large"]}, verdict, held,
                    project=project, model=good_model)


DEPTH_CLAIM = "A deeper network learns a twisted boundary better than a wide shallow one of the same size."
RATE_CLAIM = "The learning rate decides whether a network learns at all: too small crawls, too large overshoots."

DEPTH = Lesson("depth", "Does depth help?", DEPTH_CLAIM,
               "Two networks with the same number of weights learn the spirals: one wide layer of 128, or three "
               "layers of 16. Watch the validation accuracy of each, over three seeds: the band shows how much "
               "luck alone moves it.", run_depth)
LEARNING_RATE = Lesson("learning-rate", "What does the learning rate do?", RATE_CLAIM,
                       "The same network trains three times, with a learning rate of 0.0001, 0.01 and 1. Watch the "
                       "loss: the first barely moves, the second falls, the third jumps and stays high.",
                       run_learning_rate)
