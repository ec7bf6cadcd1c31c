"""Pre-flight checks: each one's verdict on a case built to pass and a case built to fail, and the headless
`check` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from datasets.base import Dataset, DatasetInfo, Split
from datasets.registry import load_dataset
from models.checks.preflight import (
    FAIL,
    PASS,
    WARN,
    data_sanity,
    learning_rate_range,
    overfit_one_batch,
    training_memory,
    will_it_fit,
)
from models.checks.validate import validate
from models.templates import load_template
from models.training.config import TrainingConfig
from tests.models.training.test_training import run_main

MOONS = {"source": "toy2d", "options": {"kind": "moons", "samples": 400}}


def mlp_spec():
    return load_template("mlp").spec


def classes(labels, names=("a", "b", "c"), x=None) -> Dataset:
    labels = np.asarray(labels, dtype=np.int64)
    x = np.random.default_rng(0).normal(size=(len(labels), 2)).astype(np.float32) if x is None else x
    info = DatasetInfo("made", (2,), "classification", list(names),
                       class_counts=np.bincount(labels, minlength=len(names)).tolist())
    return Dataset(info, Split(x, labels))


@pytest.mark.slow
def test_a_model_that_can_learn_overfits_one_batch_and_a_frozen_one_fails():
    dataset = load_dataset(MOONS)
    passed = overfit_one_batch(mlp_spec(), dataset, TrainingConfig())
    losses = passed.data["losses"]
    assert passed.status == PASS and passed.data["accuracy"] == 1.0 and losses[-1] < losses[0]
    frozen = mlp_spec()
    for node in frozen.nodes.values():
        if node.type == "Dense":
            frozen.set_params(node.id, trainable=False)
    nothing = overfit_one_batch(frozen, dataset, TrainingConfig())
    assert nothing.status == FAIL and "no trainable weights" in nothing.line
    # the same input with both labels: no model can fit that, and the check says so
    impossible = classes([0, 1] * 20, names=("a", "b"), x=np.ones((40, 2), dtype=np.float32))
    failed = overfit_one_batch(mlp_spec(), impossible, TrainingConfig(learning_rate=0.01), steps=60)
    assert failed.status == FAIL and "cannot fit even these samples" in failed.line and "output layer" in failed.fix
    assert failed.data["accuracy"] <= 0.75


def narrow_body(frozen: bool):
    """Dense(16) -> Dense(1, tanh) -> softmax head: trained whole it fits 16 moons points; with the body frozen
    the head sees one random feature and cannot."""
    from models.graph.spec import LayerNode, ModelSpec

    spec = ModelSpec()
    spec.nodes["points"] = LayerNode("points", "Input", {"shape": [2]}, [])
    spec.nodes["body_1"] = LayerNode("body_1", "Dense", {"units": 16, "activation": "relu", "trainable": not frozen},
                                     ["points"])
    spec.nodes["body_2"] = LayerNode("body_2", "Dense", {"units": 1, "activation": "tanh", "trainable": not frozen},
                                     ["body_1"])
    spec.nodes["head"] = LayerNode("head", "Dense", {"units": 2, "activation": "softmax"}, ["body_2"])
    return spec


@pytest.mark.slow
def test_the_overfit_check_fails_on_a_model_with_a_frozen_body():
    dataset = load_dataset(MOONS)
    config = TrainingConfig(learning_rate=0.01)
    assert overfit_one_batch(narrow_body(frozen=False), dataset, config).status == PASS
    frozen = overfit_one_batch(narrow_body(frozen=True), dataset, config)
    assert frozen.status == FAIL and "cannot fit even these samples" in frozen.line
    assert "Unfreeze some of the frozen layers (body_1, body_2)" in frozen.fix


@pytest.mark.slow
def test_the_range_test_suggests_a_rate_within_ten_times_of_a_known_good_one():
    """Linear regression with unit-variance inputs under MSE: the loss's curvature is 2, so plain SGD's best
    rate is 1/2 (and it diverges past 1)."""
    from models.graph.spec import LayerNode, ModelSpec

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2048, 1)).astype(np.float32)
    noise = rng.normal(scale=0.5, size=x.shape).astype(np.float32)
    dataset = Dataset(DatasetInfo("line", (1,), "regression"), Split(x, 3 * x + 1 + noise))
    spec = ModelSpec()
    spec.nodes["x"] = LayerNode("x", "Input", {"shape": [1]}, [])
    spec.nodes["line"] = LayerNode("line", "Dense", {"units": 1}, ["x"])
    result = learning_rate_range(spec, dataset, TrainingConfig(optimizer="sgd", momentum=0.0, batch_size=64))
    assert 0.5 / 10 <= result.data["suggested"] <= 0.5 * 10, result.line
    assert 0.2 <= result.data["lowest_at"] <= 2.5  # lowest near where SGD starts to diverge (1); smoothing lags


@pytest.mark.slow
def test_the_range_test_suggests_a_tenth_of_the_rate_of_the_lowest_loss():
    dataset = load_dataset(MOONS)
    result = learning_rate_range(mlp_spec(), dataset, TrainingConfig(learning_rate=1e-6))
    rates, losses = np.array(result.data["rates"]), np.array(result.data["losses"])
    assert np.allclose(np.diff(np.log(rates)), np.log(rates[1] / rates[0]))  # exponentially increasing
    assert rates[0] == pytest.approx(1e-7) and len(rates) == len(losses) > 20
    lowest = rates[np.argmin(losses)]
    assert result.data["lowest_at"] == pytest.approx(lowest)
    assert result.data["suggested"] == pytest.approx(float(f"{lowest / 10:.1g}"))
    assert losses.min() < losses[0]  # a rate that learns was found
    assert result.status == WARN and result.fix == f"Use {result.data['suggested']:g}."  # 1e-6 is far too low
    again = learning_rate_range(mlp_spec(), dataset, TrainingConfig(learning_rate=result.data["suggested"]))
    assert again.status == PASS and again.fix is None


def test_the_data_check_finds_empty_and_dominating_classes_and_labels_the_output_cannot_give():
    spec = mlp_spec()  # two output units
    assert data_sanity(spec, classes([0, 1] * 50, names=("a", "b"))).status == PASS
    dominated = data_sanity(spec, classes([0] * 90 + [1] * 10, names=("a", "b")))
    assert dominated.status == WARN and "a is 90% of the training samples" in dominated.line
    empty = data_sanity(spec, classes([0, 1] * 20, names=("a", "b", "c")))
    assert empty.status == FAIL and "no training samples of c" in empty.line
    outside = data_sanity(spec, classes([0, 1, 2] * 20))
    assert outside.status == FAIL and "labels run from 0 to 2, but the output has 2 units" in outside.line
    assert "Adapt the output layer" in outside.fix
    x = np.ones((40, 2), dtype=np.float32)
    x[3, 1] = np.nan
    assert "NaN or infinite" in data_sanity(spec, classes([0, 1] * 20, names=("a", "b"), x=x)).line


def test_memory_counts_weights_gradients_adam_state_and_activations_and_finds_the_largest_batch():
    spec, config = mlp_spec(), TrainingConfig(batch_size=32)
    report = validate(spec)
    need = training_memory(report, config)
    assert need["weights"] == 4 * report.total_params and need["optimizer"] == 8 * report.trainable_params
    assert need["activations"] == 2 * report.activation_memory(32)
    assert training_memory(report, TrainingConfig(optimizer="sgd", momentum=0.0))["optimizer"] == 0
    roomy = will_it_fit(spec, config, memory=(1 << 30, "GPU memory"))
    assert roomy.status == PASS and "of 1.0 GB GPU memory" in roomy.line
    fixed = need["weights"] + need["gradients"] + need["optimizer"]
    per_sample = need["activations"] // 32
    tight_memory = fixed + 40 * per_sample  # room for about 32 samples at 80%
    tight = will_it_fit(spec, config, memory=(tight_memory, "RAM"))
    largest = int((0.8 * tight_memory - fixed) // per_sample)
    assert tight.data["largest_batch"] == largest and tight.status == WARN
    short = will_it_fit(spec, TrainingConfig(batch_size=4096), memory=(tight_memory, "RAM"))
    assert short.status == FAIL and short.fix == f"Set batch_size to {largest:,} or less."


@pytest.mark.slow
def test_headless_check_prints_a_line_per_check_and_json(tmp_path):
    project = load_template("mlp")
    project.dataset = dict(MOONS)
    path = tmp_path / "p.strata.json"
    project.save(path)
    result = run_main("check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line[:4] in ("PASS", "WARN", "FAIL")]
    assert len(lines) == 4 and "One batch of 16 samples" in result.stdout
    as_json = run_main("check", str(path), "--json")
    checks = json.loads(as_json.stdout[as_json.stdout.index("["):])
    assert [c["name"] for c in checks] == ["data", "memory", "overfit", "learning_rate"]
    assert all(c["status"] in (PASS, WARN, FAIL) for c in checks)
    (tmp_path / "bad.strata.json").write_text("{")
    assert run_main("check", str(tmp_path / "bad.strata.json")).returncode == 2
