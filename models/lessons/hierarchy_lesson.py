"""The lesson "deeper layers know more": a small VGG-like CNN learns the Shapes; a linear probe on each conv
layer's pooled activations measures how much that layer tells about the class, trained beside the same network
before training; each layer's receptive field (what one unit can see) grows with depth."""

from __future__ import annotations

from models.graph.project import Project
from models.graph.spec import ModelSpec
from models.lessons.evidence import Evidence, Lesson, LessonWatch
from models.lessons.experiments import train_recorded
from models.lessons.specs import chain
from models.training.config import TrainingConfig
from models.training.initial_weights import initial_model

SHAPES = {"source": "shapes", "options": {"size": 32, "count_per_class": 300}}
TRAINING = {"epochs": 12, "batch_size": 32, "learning_rate": 0.002}
CONVS = ("conv_1", "conv_2", "conv_3", "conv_4")


def vgg_spec() -> ModelSpec:
    return chain("small VGG", [
        ("image", "Input", {"shape": [32, 32, 1]}),
        ("conv_1", "Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("pool_1", "MaxPooling2D", {"pool_size": 2}),
        ("conv_2", "Conv2D", {"filters": 24, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("pool_2", "MaxPooling2D", {"pool_size": 2}),
        ("conv_3", "Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("pool_3", "MaxPooling2D", {"pool_size": 2}),
        ("conv_4", "Conv2D", {"filters": 48, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("average", "GlobalAveragePooling2D", {}),
        ("shape", "Dense", {"units": 5, "activation": "softmax"}),
    ])


def hierarchy_project(records: list | None = None, epochs: int = TRAINING["epochs"]) -> Project:
    return Project(spec=vgg_spec(), name="Lesson: deeper layers know more", dataset=dict(SHAPES),
                   training={**TRAINING, "epochs": epochs}, runs=records or [])


def run_hierarchy(quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    from datasets.registry import load_dataset
    from models.inspection.inputs import samples_of
    from models.inspection.linear_probe import probe_by_depth
    from models.inspection.receptive_field import theoretical_field

    watch = watch or LessonWatch()
    epochs = TRAINING["epochs"]
    data = load_dataset(SHAPES)
    records: list = []
    config = TrainingConfig(epochs=epochs, batch_size=TRAINING["batch_size"],
                            learning_rate=TRAINING["learning_rate"], seed=0)
    result = train_recorded(vgg_spec(), data, config, "", records, SHAPES,
                            watch.reporter("a small VGG learning the shapes", 1, 1), "small VGG")
    watch.check()
    model = result.model
    before = initial_model(model)  # the weights the Trainer kept from before the first step
    samples, labels = samples_of(data, "validation", 1000)
    trained = probe_by_depth(model, samples, labels, list(CONVS))
    initial = probe_by_depth(before, samples, labels, list(CONVS))
    centre = {name: theoretical_field(model, name, *(d // 2 for d in model.get_layer(name).output.shape[1:3]))
              for name in CONVS}
    fields = {name: f"{box.height}x{box.width}" for name, box in centre.items()}
    first, last = CONVS[0], CONVS[-1]
    gain = {name: trained[name] - initial[name] for name in CONVS}  # what training added, per layer
    # Shapes are easy: even the first layer's pooled activations name them well, trained or not, so the claim is
    # measured where training acts: the deepest layer knows the most, and training added the most there.
    held = bool(trained[last] >= trained[first] and trained[last] >= initial[last] + 0.15
                and gain[last] >= gain[first] + 0.1)
    verdict = (f"A linear probe reading each layer's average activations names the shape {trained[first]:.0%} of "
               f"the time at the first conv layer and {trained[last]:.0%} at the fourth; before training the same "
               f"layers gave {initial[first]:.0%} and {initial[last]:.0%} (guessing: 20%). Training added "
               f"{gain[first]:+.0%} at the first layer and {gain[last]:+.0%} at the fourth. One unit sees "
               f"{fields[first]} pixels at the first layer and {fields[last]} at the fourth. "
               + ("Training made the deeper layers the ones that know the class." if held else
                  "On this run depth did not add class information beyond the margin."))
    rows = [(f"Probe accuracy at {name} (sees {fields[name]} px)", f"trained: {trained[name]:.2f}",
             f"before training: {initial[name]:.2f}") for name in CONVS]
    return Evidence("hierarchy", HIERARCHY_CLAIM, {"probe trained": trained, "gain": gain, "fields": fields},
                    {"probe initial": initial, "chance": 0.2}, verdict, held, rows,
                    project=hierarchy_project(records, epochs), model=model)


HIERARCHY_CLAIM = "Deeper layers see larger parts of the image and know more about the class."
HIERARCHY = Lesson(
    "hierarchy", "Do deeper layers know more?", HIERARCHY_CLAIM,
    "A small VGG learns to name five shapes. Afterwards a linear probe reads each conv layer: how well can a "
    "straight line through its average activations tell the shapes apart? Compare the layers, and each with the "
    "same layer before training. In Inspect, the Hierarchy view shows what excites each channel most.",
    run_hierarchy, hierarchy_project, workspace="inspect", view="Hierarchy")
