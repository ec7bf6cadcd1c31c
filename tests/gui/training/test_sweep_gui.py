"""Sweeps from the window: the dialog checks as it is edited and saves the file `sweep` reads; a sweep's trials
become runs, the results view plots them, and the best values apply as one undoable edit."""

from __future__ import annotations

import json
import math

import pytest
from PySide6.QtCore import Qt

from gui.document import ProjectDocument
from gui.training.panel import TrainingPanel
from gui.training.sweep_dialog import SweepDialog
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.sweep import Sweep, load_sweep


def mlp_project():
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.training = {"epochs": 1, "batch_size": 32}
    return project


@pytest.fixture
def panel(qtbot):
    panel = TrainingPanel(ProjectDocument(mlp_project()))
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    yield panel
    panel.stop_and_wait()


def test_the_dialog_suggests_a_sweep_checks_each_edit_and_saves_the_cli_file(qtbot, tmp_path):
    spec = mlp_project().spec
    dialog = SweepDialog(spec, TrainingConfig())
    qtbot.addWidget(dialog)
    suggested = dialog.sweep()
    assert [p.target for p in suggested.parameters] == ["learning_rate", "dense_1.units"]
    assert dialog.run_button.isEnabled() and "8 runs, looking for the lowest val_loss" in dialog.verdict.text()
    dialog.table.item(1, 1).setText("4, 0")  # 0 units is not a layer
    assert not dialog.run_button.isEnabled() and "dense_1.units = 0" in dialog.verdict.text()
    dialog.table.item(1, 1).setText("4, 16")
    dialog.search.setCurrentText("grid")
    assert "grid search needs a list of values or a step" in dialog.verdict.text()
    dialog.table.item(0, 1).setText("0.01 .. 0.11 step 0.05")
    assert dialog.run_button.isEnabled() and "6 runs" in dialog.verdict.text()  # 3 rates x 2 widths
    path = tmp_path / "sweep.json"
    dialog.save(path)
    assert load_sweep(path) == dialog.sweep() and json.loads(path.read_text())["search"] == "grid"
    other = SweepDialog(spec, TrainingConfig())
    qtbot.addWidget(other)
    other.open(path)
    assert other.sweep() == dialog.sweep()
    (tmp_path / "broken.json").write_text("{not json")
    other.open(tmp_path / "broken.json")
    assert "cannot read the sweep file" in other.verdict.text()


def test_a_sweep_records_each_trial_as_a_run_plots_them_and_applies_the_best_as_one_undo(qtbot, panel):
    sweep = Sweep.from_dict({"search": "grid", "objective": "val_accuracy", "parameters": [
        {"target": "learning_rate", "values": [0.0005, 0.05]}, {"target": "dense_1.units", "values": [4, 16]}]})
    with qtbot.waitSignal(panel.finished, timeout=300_000):
        panel.sweeps.start(sweep)
        assert panel.is_training() and not panel.sweep_button.isEnabled()
    document = panel.document
    runs = document.project.runs
    assert len(runs) == 4 and all(r["sweep"]["id"] == "sweep-1" for r in runs)
    assert sorted((r["sweep"]["values"]["learning_rate"], r["sweep"]["values"]["dense_1.units"]) for r in runs) \
        == [(0.0005, 4), (0.0005, 16), (0.05, 4), (0.05, 16)]
    for record in runs:  # each run trained what its values say
        assert record["config"]["learning_rate"] == record["sweep"]["values"]["learning_rate"]
        units = next(layer for layer in record["model"]["layers"] if layer["id"] == "dense_1")["params"]["units"]
        assert units == record["sweep"]["values"]["dense_1.units"]
    best = max(runs, key=lambda r: r["final"]["val_accuracy"])
    assert list(document.unsaved_models) == [best["id"]]  # only the best trial's model is held
    view = panel.sweep_view
    assert panel.tabs.currentWidget() is view and view.chooser.currentText() == "sweep-1"
    assert set(view.plots) == {"learning_rate", "dense_1.units"}
    assert view.trials.best.run_id == best["id"] and f"{best['name']} ({best['id']})" in view.best_label.text()
    assert [r["name"] for r in runs] == [f"sweep-1 trial {n}" for n in range(1, 5)]
    assert view.plots["learning_rate"].ctrl.logXCheck.isChecked()  # 0.0005 .. 0.05: a log axis
    star = next(i for i in view.plots["learning_rate"].listDataItems() if i.opts["symbol"] == "star")
    x, y = star.getData()  # where it is drawn: on the log axis, at the best trial's rate and value
    assert x[0] == pytest.approx(math.log10(best["sweep"]["values"]["learning_rate"]))
    assert y[0] == pytest.approx(best["final"]["val_accuracy"])
    before_units = document.spec.nodes["dense_1"].params["units"]
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    assert document.spec.nodes["dense_1"].params["units"] == best["sweep"]["values"]["dense_1.units"]
    assert document.project.training["learning_rate"] == best["sweep"]["values"]["learning_rate"]
    assert panel.can_continue()  # the canvas now is the best trial's model, whose weights are at hand
    document.undo_stack.undo()  # one step takes both back
    assert document.spec.nodes["dense_1"].params["units"] == before_units
    assert "learning_rate" not in document.project.training


def test_stopping_a_sweep_keeps_the_trials_that_ran(qtbot, panel):
    sweep = Sweep.from_dict({"search": "random", "trials": 6, "parameters": [
        {"target": "epochs", "values": [300]}, {"target": "learning_rate", "min": 0.001, "max": 0.01}]})
    panel.sweeps.start(sweep)
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step > 3, timeout=120_000)
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        panel.stop()
    assert blocker.args[0].stopped == "stopped"
    runs = panel.document.project.runs
    assert len(runs) == 1 and runs[0]["status"] == "stopped" and runs[0]["sweep"]["id"] == "sweep-1"
    assert "sweep-1 stopped after 1 trials" in panel.progress_label.text()
    assert not panel.is_training() and panel.sweep_button.isEnabled()


def test_log_axis_ticks_are_one_two_five_per_decade_and_only_decades_over_a_wide_range():
    from gui.training.sweep_view import log_ticks

    assert [label for _x, label in log_ticks(0.00015, 0.0035)] == ["0.0001", "0.0002", "0.0005", "0.001", "0.002",
                                                                  "0.005", "0.01"]
    wide = log_ticks(1e-6, 1.0)
    assert [label for _x, label in wide] == ["1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1", "1"]
    assert wide[0][0] == pytest.approx(-6.0)


def test_closing_mid_sweep_records_the_trial_in_progress(qtbot, panel):
    """What the window does when closed during a sweep: stop within a batch and record at once."""
    sweep = Sweep.from_dict({"search": "random", "trials": 4, "parameters": [
        {"target": "epochs", "values": [300]}, {"target": "learning_rate", "min": 0.001, "max": 0.01}]})
    panel.sweeps.start(sweep)
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step > 3, timeout=120_000)
    assert panel.stop_and_record()
    runs = panel.document.project.runs
    assert len(runs) == 1 and runs[0]["status"] == "stopped" and runs[0]["sweep"]["id"] == "sweep-1"
    assert runs[0]["steps"] > 3 and not panel.is_training()
