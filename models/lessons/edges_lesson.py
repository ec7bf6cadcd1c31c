"""The lesson "the first layer learns edges": a small CNN learns to tell which of ten photos a gray patch comes
from, and its first layer's 5x5 filters are scored against oriented edge kernels (models.inspection.edges),
trained beside their own initial weights and beside random kernels."""

from __future__ import annotations

import numpy as np

from models.graph.project import Project
from models.graph.spec import ModelSpec
from models.lessons.evidence import Evidence, Lesson, LessonWatch
from models.lessons.experiments import train_recorded
from models.lessons.specs import chain
from models.training.config import TrainingConfig
from models.training.initial_weights import initial_model

PATCHES = {"source": "photo_patches", "options": {"size": 24, "per_photo": 500}}
FIRST = "edges"  # the first layer's id
STRONG = 0.8  # a score this high is an edge detector by eye


def edge_cnn() -> ModelSpec:
    return chain("edge learner", [
        ("patch", "Input", {"shape": [24, 24, 1]}),
        (FIRST, "Conv2D", {"filters": 16, "kernel_size": 5, "activation": "relu"}),
        ("pool", "MaxPooling2D", {"pool_size": 2}),
        ("conv_2", "Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}),
        ("average", "GlobalAveragePooling2D", {}),
        ("photo", "Dense", {"units": 10, "activation": "softmax"}),
    ])


TRAINING = {"epochs": 30, "batch_size": 64, "learning_rate": 0.003}


def edges_project(records: list | None = None, epochs: int = TRAINING["epochs"]) -> Project:
    return Project(spec=edge_cnn(), name="Lesson: the first layer learns edges", dataset=dict(PATCHES),
                   training={**TRAINING, "epochs": epochs}, runs=records or [])


def run_edges(quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    from datasets.registry import load_dataset
    from models.inspection.edges import edge_scores, random_kernel_scores

    watch = watch or LessonWatch()
    epochs = TRAINING["epochs"]  # shorter runs do not show it reliably: quick runs the whole lesson (~25 s)
    dataset = dict(PATCHES)
    data = load_dataset(dataset)
    records: list = []
    config = TrainingConfig(epochs=epochs, batch_size=TRAINING["batch_size"],
                            learning_rate=TRAINING["learning_rate"], seed=0)
    result = train_recorded(edge_cnn(), data, config, "", records, dataset,
                            watch.reporter("a CNN telling ten photos apart", 1, 1), "edge learner")
    watch.check()
    trained_kernel = result.model.get_layer(FIRST).get_weights()[0]
    trained = edge_scores(trained_kernel)[0]
    initial = edge_scores(initial_model(result.model).get_layer(FIRST).get_weights()[0])[0]  # kept by the Trainer
    random = random_kernel_scores(*trained_kernel.shape[:3])
    medians = {name: float(np.median(v)) for name, v in (("trained", trained), ("initial", initial),
                                                         ("random", random))}
    strong = {name: float(np.mean(v >= STRONG)) for name, v in (("trained", trained), ("initial", initial),
                                                                ("random", random))}
    held = bool(medians["trained"] > max(medians["initial"], medians["random"]) + 0.15)
    count = len(trained)
    verdict = (f"After {epochs} epochs the first layer's 16 filters have a median edge score of "
               f"{medians['trained']:.2f}; the same filters before training scored {medians['initial']:.2f}, and "
               f"random 5x5 filters score {medians['random']:.2f}. {int(round(strong['trained'] * count))} of "
               f"{count} trained filters are clear edge detectors (score {STRONG} or more), against "
               f"{strong['random']:.0%} of random ones. "
               + ("Training made the first layer into edge detectors: hover over the Filters to see each one's "
                  "score and orientation." if held else "On this run the filters did not move far enough from "
                                                         "random to call them edge detectors."))
    rows = [("Median edge score of the first layer's filters", f"trained: {medians['trained']:.2f}",
             f"initial: {medians['initial']:.2f} · random: {medians['random']:.2f}"),
            (f"Filters scoring {STRONG} or more", f"trained: {strong['trained']:.0%}",
             f"initial: {strong['initial']:.0%} · random: {strong['random']:.0%}")]
    measured = {"median trained": medians["trained"], "strong trained": strong["trained"],
                "trained scores": trained.round(3).tolist(), "val_accuracy": result.final.get("val_accuracy")}
    reference = {"median initial": medians["initial"], "median random": medians["random"],
                 "strong initial": strong["initial"], "strong random": strong["random"]}
    return Evidence("edges", EDGES_CLAIM, measured, reference, verdict, held, rows,
                    project=edges_project(records, epochs), model=result.model)


EDGES_CLAIM = "The first layer of an image network learns edge detectors."
EDGES = Lesson("edges", "Does the first layer learn edges?", EDGES_CLAIM,
               "A small CNN learns to tell which of ten photos a 24x24 gray patch comes from. Watch its first "
               "layer in the Filters view: the 16 5x5 filters start as noise, and many become oriented edge "
               "detectors. Hover over a filter for its edge score; the line above the grid compares the layer "
               "with random filters.", run_edges, edges_project, workspace="inspect", view="Filters")
