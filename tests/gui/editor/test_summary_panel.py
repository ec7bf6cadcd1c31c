"""The "Model summary" dock: Keras-style table, totals with a live batch size, and clickable problems."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.editor.summary import (
    CONNECTED,
    MACS,
    NAME,
    NODE_ROLE,
    PARAMS,
    SHAPE,
    SummaryPanel,
    status_colors,
)
from models.checks.shapes import keras_shape
from models.checks.validate import validate
from models.formatting import bytes_text as human_bytes
from models.formatting import count_text as human_count
from models.graph.spec import ModelSpec
from models.templates import load_template, template_names
from tests.model_helpers import spec_for


@pytest.fixture
def panel(qtbot) -> SummaryPanel:
    widget = SummaryPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell(panel: SummaryPanel, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return panel.model.data(panel.model.index(row, column), role)


def column(panel: SummaryPanel, index: int) -> list[str]:
    return [cell(panel, row, index) for row in range(panel.model.rowCount())]


def click(qtbot, view, index) -> None:
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def test_formatting_follows_keras():
    assert human_bytes(1234 * 4) == "4.82 KB"
    assert human_bytes(512) == "512 B"
    assert human_bytes(1.5 * 2**20, digits=1) == "1.5 MB"
    assert human_count(1_234_567) == "1.2 M"
    assert human_count(2_300) == "2.3 K"
    assert human_count(950) == "950"


@pytest.mark.parametrize("name", template_names())
def test_every_template_fills_table_and_totals(panel, name):
    spec = load_template(name).spec
    report = validate(spec)
    panel.show_report(spec, report)
    assert panel.model.rowCount() == len(spec)
    order = spec.topological_order()
    assert [cell(panel, row, 0, NODE_ROLE) for row in range(len(spec))] == order
    assert cell(panel, 0, NAME) == f"{order[0]} ({spec.nodes[order[0]].type})"
    assert column(panel, SHAPE) == [keras_shape(report.nodes[nid].output_shape) for nid in order]
    assert sum(int(text.replace(",", "")) for text in column(panel, PARAMS)) == report.total_params
    assert report.total_params > 0
    assert cell(panel, 0, PARAMS, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    text = panel.totals_label.text()
    assert f"Total params: {report.total_params:,} ({human_bytes(report.total_params * 4)})" in text
    assert f"Trainable: {report.trainable_params:,}" in text
    assert f"Non-trainable: {report.non_trainable_params:,}" in text
    assert f"MACs: {human_count(report.total_macs)}" in text
    assert f"Activation memory at batch 32: {human_bytes(report.activation_memory(32), digits=1)}" in text
    assert panel.problems_list.count() == len(report.problems)
    if not report.problems:
        assert panel.problems_header.text() == "No problems"


def test_connected_to_shows_inputs_only_for_branching_models(panel):
    spec = load_template("resnet").spec
    panel.show_report(spec, validate(spec))
    assert not panel.table.isColumnHidden(CONNECTED)
    merge = next(n for n in spec.nodes.values() if len(n.inputs) > 1)
    row = column(panel, NAME).index(f"{merge.id} ({merge.type})")
    assert cell(panel, row, CONNECTED) == ", ".join(merge.inputs)
    mlp = load_template("mlp").spec
    panel.show_report(mlp, validate(mlp))
    assert panel.table.isColumnHidden(CONNECTED)


def test_batch_size_updates_activation_memory_live(panel, qtbot):
    spec = load_template("lenet").spec
    report = validate(spec)
    panel.show_report(spec, report)
    before = panel.totals_label.text()
    with qtbot.waitSignal(panel.batch_size_changed, timeout=1000) as blocker:
        qtbot.keyClick(panel.batch_spin, Qt.Key.Key_Up)
    assert blocker.args == [33]
    assert panel.totals_label.text() != before
    assert f"at batch 33: {human_bytes(report.activation_memory(33), digits=1)}" in panel.totals_label.text()
    with qtbot.assertNotEmitted(panel.batch_size_changed):
        panel.set_batch_size(256)
    assert panel.batch_size == 256
    assert f"at batch 256: {human_bytes(report.activation_memory(256), digits=1)}" in panel.totals_label.text()
    assert (panel.batch_spin.minimum(), panel.batch_spin.maximum()) == (1, 65536)


def test_error_is_listed_and_clicking_it_names_the_layer(panel, qtbot):
    spec = spec_for("Conv2D", {"kernel_size": 20})  # 20x20 kernel on a 12x12 input
    report = validate(spec)
    panel.show_report(spec, report)
    [problem] = report.problems
    assert problem.node == "conv2d_1" and problem.severity == "error"
    assert panel.problems_header.text() == "1 problem"
    item = panel.problems_list.item(0)
    assert item.text() == problem.message
    assert not item.icon().isNull()
    row = column(panel, NAME).index("conv2d_1 (Conv2D)")
    assert cell(panel, row, SHAPE) == "?"
    assert cell(panel, row, NAME, Qt.ItemDataRole.ForegroundRole) == status_colors(panel.palette())["error"]
    assert not cell(panel, row, NAME, Qt.ItemDataRole.DecorationRole).isNull()
    assert cell(panel, 0, NAME, Qt.ItemDataRole.ForegroundRole) is None  # the Input is fine
    emitted: list[str] = []
    panel.problem_activated.connect(emitted.append)
    click(qtbot, panel.problems_list, panel.problems_list.model().index(0, 0))
    assert emitted == ["conv2d_1"]  # once per click, even though the view reports clicked and maybe activated


def test_warning_row_is_amber(panel):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [28, 28, 1]}, node_id="x")
    dense = spec.append("Dense", {"units": 10})
    report = validate(spec)
    panel.show_report(spec, report)
    assert [p.severity for p in report.problems] == ["warning"]
    assert cell(panel, 1, NAME, NODE_ROLE) == dense
    assert cell(panel, 1, NAME, Qt.ItemDataRole.ForegroundRole) == status_colors(panel.palette())["warning"]
    assert cell(panel, 1, SHAPE) == "(None, 28, 28, 10)"
    assert panel.problems_header.text() == "1 problem"


def test_problem_without_a_layer_emits_nothing(panel, qtbot):
    spec = ModelSpec()
    spec.add_node("Dense", {"units": 4}, node_id="lonely")
    report = validate(spec)
    panel.show_report(spec, report)
    messages = [panel.problems_list.item(i).text() for i in range(panel.problems_list.count())]
    assert messages == [p.message for p in report.problems] and len(messages) == 2
    assert panel.problems_header.text() == "2 problems"
    model_row = next(i for i, p in enumerate(report.problems) if not p.node)
    with qtbot.assertNotEmitted(panel.problem_activated):
        click(qtbot, panel.problems_list, panel.problems_list.model().index(model_row, 0))


def test_clicking_a_table_row_names_its_layer_and_selection_survives_updates(panel, qtbot):
    spec = load_template("mlp").spec
    panel.show_report(spec, validate(spec))
    target = spec.topological_order()[2]
    with qtbot.waitSignal(panel.node_activated, timeout=1000) as blocker:
        click(qtbot, panel.table, panel.model.index(2, MACS))
    assert blocker.args == [target]
    spec.append("Dense", {"units": 3})
    panel.show_report(spec, validate(spec))
    assert panel.model.rowCount() == len(spec)
    assert [cell(panel, i.row(), 0, NODE_ROLE) for i in panel.table.selectionModel().selectedRows()] == [target]


def test_cycle_falls_back_to_dict_order(panel):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]}, node_id="x")
    a = spec.append("Dense", {"units": 4})
    b = spec.append("Dense", {"units": 4})
    spec.nodes[a].inputs = [b]  # bypass the edit checks to make a cycle
    report = validate(spec)
    panel.show_report(spec, report)
    assert [cell(panel, row, 0, NODE_ROLE) for row in range(3)] == ["x", a, b]
    assert "cycle" in panel.problems_list.item(0).text()


def test_two_hundred_layers(panel):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [16]}, node_id="x")
    for _ in range(199):
        spec.append("Dense", {"units": 16})
    report = validate(spec)
    panel.show_report(spec, report)
    assert panel.model.rowCount() == 200
    assert cell(panel, 199, NAME) == "dense_199 (Dense)"
    assert cell(panel, 199, SHAPE) == "(None, 16)"
    assert sum(int(text.replace(",", "")) for text in column(panel, PARAMS)) == report.total_params == 199 * 272
    assert panel.problems_header.text() == "No problems"
    assert panel.table.isColumnHidden(CONNECTED)


def test_a_parameter_edit_repaints_only_the_rows_it_changed(panel, qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [16]}, node_id="x")
    for _ in range(199):
        spec.append("Dense", {"units": 16})
    panel.show_report(spec, validate(spec))
    panel.table.scrollToBottom()
    scrolled = panel.table.verticalScrollBar().value()
    resets, changes = [], []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.dataChanged.connect(lambda first, last: changes.append((first.row(), last.row())))
    spec.set_params("dense_150", units=8)  # its own row and the next layer's parameters change
    panel.show_report(spec, validate(spec))
    assert not resets and changes == [(150, 151)]
    assert cell(panel, 150, SHAPE) == "(None, 8)" and cell(panel, 151, PARAMS) == "144"
    assert panel.table.verticalScrollBar().value() == scrolled
    spec.append("Dense", {"units": 2})  # another layer: the table is rebuilt
    panel.show_report(spec, validate(spec))
    assert resets and panel.model.rowCount() == 201
