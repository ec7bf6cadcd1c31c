"""Data that does not fit the model is a problem like any other: on the card, in the Summary, in Check Model,
with Adapt as its Fix; Start refuses and offers Adapt; a mended model clears the failure line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from datasets.arrays import load_npz
from datasets.base import Dataset, Split, array_info
from models.checks.data_fit import fit_problems
from models.checks.tf_errors import plain_training_error
from models.graph.spec import ModelSpec
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.trainer import Trainer
from tests.qt_helpers import answer_next_message_box


@pytest.fixture
def window(qtbot, tmp_path, main_window_factory):
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"count_per_class": 40}}
    project.training = {"epochs": 1, "batch_size": 32}
    with qtbot.waitSignal(window.editor.data_panel.dataset_loaded, timeout=60_000):
        window.editor.document.replace(project, None)
    return window


def test_a_misfit_shows_on_the_output_card_the_summary_and_check_model_with_adapt_as_fix(qtbot, window):
    editor = window.editor
    document = editor.document
    assert document.report.valid and document.data_info.num_classes == 5
    document.edit("three classes", lambda spec: spec.set_params("dense_3", units=3))
    problems = [p for p in document.report.errors if p.field == "data"]
    assert len(problems) == 1 and problems[0].node == "dense_3" and not document.report.valid
    assert "outputs (3)" in problems[0].message and "5 classes" in problems[0].message
    card = editor.canvas.nodes["dense_3"]
    assert card.problem is problems[0] and card.has_fix()
    assert editor.summary.problems_header.text() == "1 problem"
    window.actions_by_key["model.validate"].trigger()  # Check Model
    assert "1 problem(s) found" in window.statusBar().currentMessage()
    editor.canvas.apply_fix("dense_3")  # the card's Fix adapts the model
    assert document.spec.node("dense_3").params["units"] == 5 and document.report.valid


def test_start_refuses_a_misfit_offers_adapt_and_the_fix_clears_the_failure_line(qtbot, window):
    editor = window.editor
    training = editor.training
    editor.document.edit("three classes", lambda spec: spec.set_params("dense_3", units=3))
    seen: list[str] = []
    answer_next_message_box(QMessageBox.StandardButton.No, seen)
    training.start()
    assert training.worker is None and "does not fit" in seen[0] and "Adapt the model to Shapes" in seen[0]
    assert "does not fit" in training.progress_label.text() and training._failed
    editor.canvas.apply_fix("dense_3")
    assert "Ready to train" in training.progress_label.text()  # the red line went with the problem
    editor.document.edit("three classes", lambda spec: spec.set_params("dense_3", units=3))
    answer_next_message_box(QMessageBox.StandardButton.Yes, seen)
    with qtbot.waitSignal(training.finished, timeout=120_000) as blocker:
        training.start()  # "Yes": adapted, then trained
    assert blocker.args[0].ok and editor.document.spec.node("dense_3").params["units"] == 5


def test_the_trainer_refuses_data_whose_labels_exceed_the_output_units():
    from datasets.generated import load_shapes

    project = load_template("lenet")
    project.spec.set_params("dense_3", units=3)
    result = Trainer(project.spec, load_shapes(count_per_class=20), TrainingConfig(epochs=1)).run()
    assert result.stopped == "error" and result.error.startswith("The data does not fit the model")
    assert "'dense_3' outputs (3)" in result.error and "Traceback" not in result.error


def test_an_input_shape_that_does_not_match_is_refused_plainly():
    from datasets.generated import load_shapes

    project = load_template("lenet")
    result = Trainer(project.spec, load_shapes(size=32, count_per_class=20), TrainingConfig(epochs=1)).run()
    assert result.stopped == "error" and "takes (28, 28, 1)" in result.error and "(32, 32, 1)" in result.error


def test_tensorflow_errors_are_translated_naming_the_layer_and_shapes():
    label = ("Graph execution error:\n\nDetected at node compile_loss/sparse_categorical_crossentropy/SparseSoftmax"
             " defined at (most recent call last):\n  File ...\nReceived a label value of 4 which is outside the "
             "valid range of [0, 3).  Label values: 4 0 1\n\t [[{{node functional_1/dense_3/Softmax}}]]")
    error = type("InvalidArgumentError", (Exception,), {})(label)
    text = plain_training_error(error, ["dense_3"], 32)
    assert "label in the data (4)" in text and "3 output units" in text and "Graph execution" not in text
    shapes = type("InvalidArgumentError", (Exception,), {})(
        "Graph execution error:\n...\nIncompatible shapes: [32,3] vs. [32,5]\n\t [[{{node functional/dense_3/add}}]]")
    text = plain_training_error(shapes, ["dense_3"], 32)
    assert "at layer 'dense_3'" in text and "[32,3] and [32,5]" in text
    oom = type("ResourceExhaustedError", (Exception,), {})("OOM when allocating tensor with shape[64,512,512,32]")
    assert "try 32 instead of 64" in plain_training_error(oom, [], 64)
    dtype = ValueError("Tensor conversion: cannot compute MatMul as input #1(zero-based) was expected to be a "
                       "float tensor but is a int32 tensor [Op:MatMul]")
    assert "Input's dtype to int32" in plain_training_error(dtype, [], 32)
    other = RuntimeError("Graph execution error:\n\nsomething odd happened")
    assert plain_training_error(other, [], 32) == ("Training failed: RuntimeError: something odd happened (the "
                                                   "full message is in the log)")


def test_multi_hot_labels_get_sigmoid_outputs_and_binary_crossentropy(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = np.stack([x[:, 0] > 0, x[:, 1] > 0, x[:, 2] > 0], axis=1).astype(np.int64)  # several labels per sample
    np.savez(tmp_path / "multi.npz", x=x, y=y)
    dataset = load_npz(str(tmp_path / "multi.npz"))
    info = dataset.info
    assert info.task == "multilabel" and info.num_classes == 3 and info.suggested_loss() == "binary_crossentropy"
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [6]})
    spec.append("Dense", {"units": 16, "activation": "relu"})
    out = spec.append("Dense", {"units": 3, "activation": "softmax"})
    problems = fit_problems(spec, info)
    assert len(problems) == 1 and "'sigmoid'" in problems[0].message and problems[0].node == out
    problems[0].fix.apply(spec, out)
    assert spec.node(out).params["activation"] == "sigmoid" and not fit_problems(spec, info)
    result = Trainer(spec, dataset, TrainingConfig(epochs=30, learning_rate=0.01)).run()
    assert result.ok and result.final["val_binary_accuracy"] > 0.9  # each label learned on its own


def test_a_regression_run_has_no_accuracy_and_true_batch_losses():
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    y = (3 * x[:, 0]).astype(np.float32)
    info = array_info("line", x, y, [], {"train": Split(x, y)})
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [1]})
    spec.append("Dense", {"units": 1})
    result = Trainer(spec, Dataset(info, Split(x, y)), TrainingConfig(epochs=2, batch_size=16)).run()
    assert result.ok and "accuracy" not in result.final and "mean_absolute_error" in result.final
