"""The lesson "attention links the tokens a task needs", on the Lookup task (datasets.generated.load_lookup):
key-value items and a question naming one key. An average of token embeddings, and an average of per-token
features, are at chance by construction; a small self-attention model answers, and on average over the
validation set the question attends to the item it names far more than to the others."""

from __future__ import annotations

import numpy as np

from models.graph.project import Project
from models.graph.spec import ModelSpec
from models.lessons.evidence import Evidence, Lesson, LessonWatch
from models.lessons.experiments import train_recorded
from models.lessons.specs import chain
from models.training.config import TrainingConfig

LENGTH, KEYS = 13, 32
VOCABULARY = 3 + 3 * KEYS
ATTENTION = "attention"


def _start() -> list:
    return [("tokens", "Input", {"shape": [LENGTH], "dtype": "int32"}, None),
            ("embedding", "Embedding", {"input_dim": VOCABULARY, "output_dim": 32}, None)]


def bag_model() -> ModelSpec:
    """The average of the token embeddings, read by a linear layer: sees which tokens, not how they relate."""
    return chain("bag of tokens", [*_start(), ("average", "GlobalAveragePooling1D", {}, None),
                                    ("answer", "Dense", {"units": 2, "activation": "softmax"}, None)])


def per_token_model() -> ModelSpec:
    """A hidden layer on every token alone, averaged, read by a linear layer."""
    return chain("per-token features", [*_start(), ("per_token", "Dense", {"units": 64, "activation": "relu"}, None),
                                         ("average", "GlobalAveragePooling1D", {}, None),
                                         ("answer", "Dense", {"units": 2, "activation": "softmax"}, None)])


def attention_model() -> ModelSpec:
    return chain("self-attention", [*_start(), (ATTENTION, "MultiHeadAttention", {"num_heads": 2, "key_dim": 16},
                                                 None),
                                     ("residual", "Add", {}, [ATTENTION, "embedding"]),
                                     ("norm", "LayerNormalization", {}, None),
                                     ("average", "GlobalAveragePooling1D", {}, None),
                                     ("answer", "Dense", {"units": 2, "activation": "softmax"}, None)])


DATASET = {"source": "lookup", "options": {"length": LENGTH, "keys": KEYS, "count": 8000}}
TRAINING = {"epochs": 30, "batch_size": 32, "learning_rate": 0.003}


def attention_project(records: list | None = None, epochs: int = TRAINING["epochs"]) -> Project:
    return Project(spec=attention_model(), name="Lesson: attention links tokens", dataset=dict(DATASET),
                   training={**TRAINING, "epochs": epochs}, runs=records or [])


def question_to_item(average: np.ndarray, samples: np.ndarray) -> tuple[float, float]:
    """(the mean weight the question gives the item it names, the mean weight it gives each other item), from
    per-sample weights of one head (or averaged over heads): `average` is (samples, queries, keys)."""
    from datasets.generated import lookup_tokens

    tokens = lookup_tokens(KEYS)
    items = samples[:, :-1]
    asked = samples[:, -1] - tokens["first_question"]
    named = (items - tokens["first_item"]) // 2 == asked[:, None]  # (samples, items): the item asked about
    weights = average[:, -1, :-1]  # the question's row, over the items
    return float(weights[named].mean()), float(weights[~named].mean())


def run_attention(quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    from datasets.registry import load_dataset
    from models.inspection.probe import SCORES_SUFFIX, Probe

    watch = watch or LessonWatch()
    epochs = 20 if quick else TRAINING["epochs"]
    dataset = {"source": "lookup", "options": {**DATASET["options"], "count": 8000}}
    data = load_dataset(dataset)
    records: list = []
    accuracy: dict[str, float] = {}
    model = None
    specs = (bag_model(), per_token_model(), attention_model())
    for number, spec in enumerate(specs, 1):
        watch.check()
        config = TrainingConfig(epochs=epochs, batch_size=TRAINING["batch_size"],
                                learning_rate=TRAINING["learning_rate"], seed=0)
        result = train_recorded(spec, data, config, "", records, dataset,
                                watch.reporter(spec.name, number, len(specs)), spec.name)
        accuracy[spec.name] = float(result.final.get("val_accuracy") or 0.0)
        model = result.model
    watch.check()
    samples = np.asarray(data.validation.x)[:1000]
    probe = Probe(model)
    scores = np.concatenate([probe.batch(samples[start:start + 256])[ATTENTION + SCORES_SUFFIX]
                             for start in range(0, len(samples), 256)])  # (samples, heads, queries, keys)
    # per head: heads share the work, and the one that finds the named item shows the link undiluted
    per_head = [question_to_item(scores[:, head], samples) for head in range(scores.shape[1])]
    head = int(np.argmax([named for named, _other in per_head]))
    named, other = per_head[head]
    mean_named = float(np.mean([named for named, _other in per_head]))
    uniform = 1.0 / LENGTH
    attention, bag, per_token = accuracy["self-attention"], accuracy["bag of tokens"], accuracy["per-token features"]
    held = bool(attention >= max(bag, per_token) + 0.2 and named > 3 * uniform)
    verdict = (f"Asked for one key's value among {LENGTH - 1} items, the self-attention model answered "
               f"{attention:.0%} of the validation questions right; averaging the tokens got {bag:.0%} and "
               f"averaging per-token features {per_token:.0%} (guessing gets 50%). In head {head + 1} the question's "
               f"attention went {named:.0%} to the item it names and {other:.1%} to each other item (spread evenly "
               f"it would be {uniform:.1%}; {mean_named:.0%} to the named item over both heads): attention found "
               f"the one token the answer needs, wherever it stood.")
    rows = [("Validation accuracy", f"self-attention: {attention:.2f}",
             f"average of tokens: {bag:.2f} · per-token features: {per_token:.2f} · chance: 0.50"),
            (f"Question's attention to the item it names (head {head + 1})", f"{named:.2f}",
             f"each other item: {other:.3f} · evenly: {uniform:.3f}")]
    measured = {"attention val_accuracy": attention, "question to its item": named, "head": head + 1,
                "question to its item, mean of heads": mean_named}
    reference = {"bag val_accuracy": bag, "per-token val_accuracy": per_token, "question to other items": other,
                 "uniform": uniform}
    return Evidence("attention", ATTENTION_CLAIM, measured, reference, verdict, held, rows,
                    project=attention_project(records, epochs), model=model)


ATTENTION_CLAIM = "Attention links the tokens a task needs, however far apart."
ATTENTION_LESSON = Lesson(
    "attention", "Does attention link the tokens a task needs?", ATTENTION_CLAIM,
    "Each sequence holds 12 key-value items and a question naming one key; the answer is its value. Three "
    "models train in turn: an average of the tokens, an average of per-token features, and self-attention. Watch "
    "the validation accuracy: the averages cannot tell which item the question names and stay at a coin toss.",
    run_attention, attention_project, workspace="train")
