"""Normalization in the editor: right-click ▸ Adapt to the loaded data sets its mean and variance as one undoable
edit, measured on the training samples; without data (or with token ids) the action says why it is off."""

from __future__ import annotations

from qt_helpers import shown

from gui.document import ProjectDocument
from gui.editor.canvas import CanvasView
from gui.editor.canvas_menu import canvas_menu
from models.graph.project import Project
from models.graph.spec import ModelSpec


def normalized_model() -> ModelSpec:
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8, 8, 3]}, node_id="image")
    spec.append("Normalization")
    spec.append("Flatten")
    spec.append("Dense", {"units": 2, "activation": "softmax"})
    return spec


def adapt_action(canvas: CanvasView):
    return next(a for a in canvas_menu(canvas, "normalization_1").actions() if a.text().startswith("Adapt"))


def test_adapt_sets_the_measured_mean_and_variance_as_one_undoable_edit(qtbot, tmp_path):
    from gui.data.loader import DatasetLoader

    document = ProjectDocument(Project(spec=normalized_model()))
    canvas = shown(qtbot, CanvasView(document), 700, 600)
    action = adapt_action(canvas)
    assert not action.isEnabled() and "Load a dataset" in action.toolTip()  # no data yet
    loader = DatasetLoader({"source": "shapes", "options": {"color": True, "size": 8, "count_per_class": 20}})
    dataset, _x, _y = loader.work()  # what the Data panel's worker does, here on the test's thread
    document.set_data_info(dataset.info)
    mean, variance = dataset.info.feature_mean, dataset.info.feature_variance
    assert len(mean) == 3 and all(v > 0 for v in variance)
    action = adapt_action(canvas)
    assert action.isEnabled() and action.text() == f"Adapt to {dataset.info.name}"
    action.trigger()
    params = document.spec.nodes["normalization_1"].params
    assert params["mean"] == mean and params["variance"] == variance
    assert not document.report.nodes["normalization_1"].problems
    assert "adapted" in canvas.nodes["normalization_1"].summary
    assert document.undo_stack.undoText() == f"Adapt normalization_1 to {dataset.info.name}"
    document.undo_stack.undo()
    assert "mean" not in document.spec.nodes["normalization_1"].params
