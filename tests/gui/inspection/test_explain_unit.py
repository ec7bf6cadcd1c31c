"""Explain This Unit through the real panel: a double-click on a value of an enlarged feature map, or on a Dense
bar, opens the arithmetic with the real numbers, equal to Keras's own value."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from gui.document import ProjectDocument
from gui.inspection.panel import InspectionPanel
from models.templates import load_template

TIMEOUT = 60_000


@pytest.fixture
def lenet_panel(qtbot):
    panel = InspectionPanel(ProjectDocument(load_template("lenet")))
    qtbot.addWidget(panel)
    panel.resize(1100, 560)
    panel.show()
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    yield panel
    panel.shutdown()


def double_click_at(qtbot, view, x: float, y: float) -> None:
    qtbot.mouseDClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(x, y))


def test_a_double_clicked_feature_map_value_shows_its_convolution(qtbot, lenet_panel):
    panel = lenet_panel
    tab = panel.feature_maps
    assert tab.select_layer("conv2d_2")
    qtbot.waitUntil(lambda: tab.channel is not None and tab.detail.values is not None, timeout=TIMEOUT)
    double_click_at(qtbot, tab.detail, 3.5, 2.5)  # the middle of the cell at row 2, column 3
    qtbot.waitUntil(lambda: panel.explain_runs.dialog is not None and panel.explain_runs.dialog.isVisible(),
                    timeout=TIMEOUT)
    unit = panel.explain_runs.dialog.unit
    assert unit.kind == "conv" and unit.position == (2, 3, tab.channel)
    assert unit.value == pytest.approx(unit.keras_value, abs=1e-5)
    assert unit.value == pytest.approx(float(panel.data.outputs["conv2d_2"][2, 3, tab.channel]), abs=1e-4)
    dialog = panel.explain_runs.dialog
    names = {table.objectName() for table in dialog.findChildren(QTableWidget)}
    assert {"input patch", "kernel", "products"} <= names
    assert dialog.channel_combo.count() == unit.patch.shape[-1]  # every input channel, one at a time
    assert "Keras computed" in dialog.summary.text() and "relu" in dialog.summary.text()


def test_a_double_clicked_dense_bar_shows_its_largest_contributions_and_the_softmax(qtbot, lenet_panel):
    panel = lenet_panel
    tab = panel.feature_maps
    assert tab.select_layer("dense_3")
    qtbot.waitUntil(lambda: tab.bars.values is not None, timeout=TIMEOUT)
    double_click_at(qtbot, tab.bars, 1.0, float(tab.bars.values[1]) / 2)
    qtbot.waitUntil(lambda: panel.explain_runs.dialog is not None and panel.explain_runs.dialog.unit is not None,
                    timeout=TIMEOUT)
    unit = panel.explain_runs.dialog.unit
    assert unit.kind == "dense" and unit.position == (1,) and unit.activation == "softmax"
    assert unit.value == pytest.approx(float(tab.bars.values[1]), abs=1e-5)
    tables = {table.objectName(): table for table in panel.explain_runs.dialog.findChildren(QTableWidget)}
    softmax = tables["softmax"]
    probabilities = [float(softmax.item(row, 3).text()) for row in range(softmax.rowCount())]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)
    top = tables["contributions"]
    first = abs(float(top.item(0, 3).text()))
    assert first == pytest.approx(np.abs(unit.terms).max(), rel=1e-3)  # largest first
