"""The Runs table through the real widgets: columns, sorting by value, filtering, renaming and deleting
(both undoable), ticking runs to plot, the settings that differ from the selected run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.document import ProjectDocument
from gui.training.panel import TrainingPanel
from models.graph.project import Project
from models.templates import load_template
from tests.models.training.test_run_table import record


def project_with_runs() -> Project:
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.runs = [record(1, val_loss=(1.0, 0.3)), record(2, rate=0.01, val_loss=(1.0, 0.9)),
                    record(3, status="diverged", val_loss=(1.0, 2.0)), record(10, seed=4, val_loss=(1.0, 0.5))]
    project.runs[2]["message"] = "Training diverged: the loss reached 1e9 at step 3"
    return project


@pytest.fixture
def panel(qtbot):
    document = ProjectDocument(project_with_runs())
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    panel.resize(1200, 500)
    panel.show()
    panel.tabs.setCurrentWidget(panel.runs)
    return panel


def column(view, name: str) -> list[str]:
    index = view.model.columns.index(name)
    return [view.proxy.index(row, index).data() for row in range(view.proxy.rowCount())]


def test_columns_say_status_parameters_final_and_best_metrics_duration_device_and_seed(panel):
    view = panel.runs
    for name in ("plot", "name", "status", "params", "duration", "device", "seed", "val_loss", "best val_loss",
                 "differs from selected"):
        assert name in view.model.columns
    assert column(view, "name") == ["run-1", "run-2", "run-3", "run-10"]
    assert column(view, "status") == ["completed", "completed", "diverged", "completed"]
    params = f"{panel.document.project.runs[0]['params']:,}"
    assert set(column(view, "params")) == {params}
    assert column(view, "val_loss") == ["0.3", "0.9", "2", "0.5"]
    assert column(view, "best val_loss") == ["0.3", "0.9", "1", "0.5"]
    assert column(view, "seed") == ["0", "0", "0", "4"] and column(view, "duration") == ["2.5 s"] * 4
    assert view.count_label.text() == "4 runs"


def test_sorting_by_a_metric_is_by_value_and_by_name_is_natural(panel):
    view = panel.runs
    view.table.sortByColumn(view.model.columns.index("val_loss"), Qt.SortOrder.AscendingOrder)
    assert column(view, "name") == ["run-1", "run-10", "run-2", "run-3"]
    view.table.sortByColumn(view.model.columns.index("name"), Qt.SortOrder.DescendingOrder)
    assert column(view, "name") == ["run-10", "run-3", "run-2", "run-1"]  # run-10 after run-9, not after run-1


def test_the_filter_keeps_rows_with_every_word_typed(qtbot, panel):
    view = panel.runs
    qtbot.keyClicks(view.filter, "diverged")
    assert column(view, "name") == ["run-3"] and view.count_label.text() == "1 of 4 rows shown"
    view.filter.clear()
    qtbot.keyClicks(view.filter, "completed cpu")
    assert column(view, "name") == ["run-1", "run-2", "run-10"]


def test_a_name_edited_in_the_table_is_an_undoable_edit_of_the_project(panel):
    view, document = panel.runs, panel.document
    name_cell = view.proxy.index(1, view.model.columns.index("name"))
    assert view.proxy.flags(name_cell) & Qt.ItemFlag.ItemIsEditable
    assert view.proxy.setData(name_cell, "  higher rate  ")
    assert document.project.runs[1]["name"] == "higher rate" and document.project.runs[1]["id"] == "run-2"
    assert column(view, "name")[1] == "higher rate" and document.modified
    document.undo_stack.undo()
    assert "name" not in document.project.runs[1] and column(view, "name")[1] == "run-2"


def test_deleting_selected_runs_is_undoable_and_a_new_run_takes_a_fresh_id(qtbot, panel):
    view, document = panel.runs, panel.document
    originals = list(document.project.runs)
    view.select_ids(["run-2", "run-10"])
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert [r["id"] for r in document.project.runs] == ["run-1", "run-3"]
    assert column(view, "name") == ["run-1", "run-3"] and document.undo_stack.undoText() == "Delete 2 runs"
    view.select_ids(["run-3"])
    view.table.setFocus()
    view.delete_action.trigger()  # the Delete key's action in the table
    assert [r["id"] for r in document.project.runs] == ["run-1"]
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert all(a is b for a, b in zip(document.project.runs, originals, strict=True))  # the very records back
    assert column(view, "name") == ["run-1", "run-2", "run-3", "run-10"]
    from models.training.run_table import next_run_number

    assert next_run_number(document.project.runs) == 11


def test_ticked_runs_are_overlaid_on_the_curves_under_their_names(qtbot, panel):
    view = panel.runs
    view.proxy.setData(view.proxy.index(1, view.model.columns.index("name")), "fast")
    plot_cell = lambda row: view.proxy.index(row, 0)  # noqa: E731
    view.proxy.setData(plot_cell(0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    view.proxy.setData(plot_cell(1), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    names = [item.name() for item in panel.plots.overlays]
    assert any(name.startswith("run-1 ") for name in names) and any(name.startswith("fast ") for name in names)
    assert any("learning_rate 0.01" in name for name in names)  # the legend names what sets it apart
    view.proxy.setData(plot_cell(0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert all(not item.name().startswith("run-1 ") for item in panel.plots.overlays)
    view.select_ids(["run-3"])
    view.plot_selected()
    assert panel.tabs.currentWidget() is panel.plots and view.model.plotted_ids() == ["run-2", "run-3"]
    qtbot.mouseClick(view.clear_plot_button, Qt.MouseButton.LeftButton)
    assert not panel.plots.overlays


def test_selecting_one_run_shows_how_every_other_differs_and_two_show_the_diff(panel):
    view = panel.runs
    view.select_ids(["run-1"])
    differs = column(view, "differs from selected")
    assert differs == ["", "learning_rate 0.01", "", "seed 4"]
    view.select_ids(["run-1", "run-2"])
    assert "learning_rate: 0.001 → 0.01" in view.diff.text()
    QApplication.processEvents()


def test_repeats_show_a_bold_summary_row_with_mean_and_std(qtbot):
    project = project_with_runs()
    project.runs = [record(1, seed=0, val_loss=(1, 0.4), group="seeds-1"),
                    record(2, seed=1, val_loss=(1, 0.6), group="seeds-1")]
    panel = TrainingPanel(ProjectDocument(project))
    qtbot.addWidget(panel)
    view = panel.runs
    assert column(view, "name") == ["run-1", "run-2", "seeds-1 (2 seeds)"]
    assert column(view, "val_loss")[2] == "0.5 ± 0.1" and column(view, "seed")[2] == "0..1"
    group_name = view.proxy.index(2, view.model.columns.index("name"))
    assert group_name.data(Qt.ItemDataRole.FontRole).bold()
    assert not view.proxy.flags(group_name) & Qt.ItemFlag.ItemIsEditable
    view.select_ids(["seeds-1"])
    assert [r["id"] for r in view.selected_records()] == ["run-1", "run-2"]  # a group stands for its runs


def repeat_panel(qtbot, epochs: int = 2) -> TrainingPanel:
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    project.training = {"epochs": epochs, "batch_size": 32, "seed": 3}
    panel = TrainingPanel(ProjectDocument(project))
    qtbot.addWidget(panel)
    panel.resize(1000, 500)
    panel.show()
    return panel


def test_run_with_seeds_trains_one_run_per_seed_as_a_group_with_mean_and_std(qtbot):
    import numpy as np

    panel = repeat_panel(qtbot)
    panel.seeds_spin.setValue(3)
    assert panel.start_button.text() == "Start 3 Runs"
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    runs = panel.document.project.runs
    qtbot.waitUntil(lambda: len(runs) == 3 and not panel.is_training() and panel.repeat is None, timeout=180_000)
    assert [r["config"]["seed"] for r in runs] == [3, 4, 5] and {r["group"] for r in runs} == {"seeds-1"}
    assert len({r["final"]["loss"] for r in runs}) == 3  # the seeds really differ
    view = panel.runs
    group = view.model.row_of("seeds-1")
    losses = [r["final"]["val_loss"] for r in runs]
    assert group.final["val_loss"] == pytest.approx(np.mean(losses), rel=1e-9)
    assert group.spread["val_loss"] == pytest.approx(np.std(losses), rel=1e-9)
    shown = column(view, "val_loss")[3]
    assert shown == f"{np.mean(losses):.4g} ± {np.std(losses):.2g}"
    # the group is plotted as its mean with a band of ± one std, and named so in the legend
    assert view.model.plotted_ids() == ["seeds-1"] and panel.plots.overlay_bands
    names = [item.name() for item in panel.plots.overlays]
    assert "seeds-1 val_loss (mean ± std of 3 seeds)" in names
    line = next(item for item in panel.plots.overlays if item.name().startswith("seeds-1 val_loss"))
    np.testing.assert_allclose(line.getData()[1], np.mean([r["history"]["val_loss"] for r in runs], axis=0))
    assert "seeds-1, 3 seeds, mean ± std: " in panel.log.toPlainText()


def test_stopping_a_repeat_ends_the_group(qtbot):
    panel = repeat_panel(qtbot, epochs=200)
    panel.seeds_spin.setValue(3)
    panel.start()
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step > 2, timeout=120_000)
    panel.stop()
    runs = panel.document.project.runs
    qtbot.waitUntil(lambda: not panel.is_training() and panel.repeat is None, timeout=60_000)
    qtbot.wait(200)  # no next seed starts
    assert len(runs) == 1 and runs[0]["status"] == "stopped" and not panel.is_training()
    assert "stopped after 1 of 3 seeds" in panel.log.toPlainText()


def test_a_run_is_compared_with_the_canvas_added_and_changed_cards_marked(qtbot, main_window_factory):
    window = main_window_factory()
    window.show()
    project = project_with_runs()
    window.editor.document.replace(project, None)
    editor, canvas = window.editor, window.editor.canvas
    document = editor.document
    document.edit("wider", lambda spec: spec.set_params("dense_1", units=64))
    from models.graph.spec import LayerNode

    def add_dropout(spec) -> None:
        spec.nodes["dropout"] = LayerNode("dropout", "Dropout", {"rate": 0.2}, ["dense_2"])
        spec.nodes["dense_3"].inputs = ["dropout"]

    document.edit("dropout", add_dropout)
    view = editor.training.runs
    view.select_ids(["run-2"])
    view.compare_action.trigger()
    bar = canvas.comparison
    assert bar.bar.isVisible() and "Compared with <b>run-2</b>" in bar.text.text()
    assert canvas.nodes["dropout"].diff == ("added", [])
    assert canvas.nodes["dense_1"].diff == ("changed", ["units: 32 → 64"])
    assert canvas.nodes["dense_1"].diff_tag() == "units: 32 → 64"
    assert "units: 32 → 64" in canvas.nodes["dense_1"].toolTip()
    assert canvas.nodes["dense_2"].diff is None
    document.undo_stack.undo()  # the dropout goes: the marks follow the model
    assert "dropout" not in canvas.nodes and canvas.nodes["dense_3"].diff is None
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.bar.isVisible() and canvas.nodes["dense_1"].diff is None
