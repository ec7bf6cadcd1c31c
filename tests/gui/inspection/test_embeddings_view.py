"""The embedding projector through the real window: Compute projects the validation samples through two layers
in a worker (progress, Cancel), draws a point per sample coloured by class with the separation measured in each
layer, hovering a point shows its sample, and clicking it pins that sample in Inspection."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from models.templates import load_template
from tests.gui.inspection.test_inspection_views import settled_point

TIMEOUT = 60_000


@pytest.fixture
def window_with_data(qtbot, main_window_factory):
    window = main_window_factory()
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"size": 28, "count_per_class": 40}}
    window.editor.document.replace(project, None)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    data = window.editor.data_panel
    with qtbot.waitSignal(data.dataset_loaded, timeout=TIMEOUT):
        data.load()
    panel = window.editor.inspection
    window.docks["inspection"].raise_()
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_dataset_sample(0, "validation")
    tab = panel.tab_views["Embeddings"]
    panel.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.layer_combo.count() > 0, timeout=TIMEOUT)
    return window, panel, tab


def test_two_layers_are_projected_side_by_side_and_a_clicked_point_is_pinned(qtbot, window_with_data):
    window, panel, tab = window_with_data
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData("conv2d_1"))
    tab.compare_combo.setCurrentIndex(tab.compare_combo.findData("dense_3"))
    tab.samples_spin.setValue(60)
    progress = []
    tab.progress.valueChanged.connect(progress.append)
    tab.compute_button.click()
    qtbot.waitUntil(lambda: len(tab.projections) == 2, timeout=TIMEOUT)
    validation = window.editor.data_panel.dataset.validation
    count = min(60, validation.count)
    first, second = tab.projections
    assert (first.layer_id, second.layer_id) == ("conv2d_1", "dense_3")
    assert tab.plots[0].point_count() == tab.plots[1].point_count() == count
    assert tab.plots[1].isVisible() and first.method == "PCA"
    assert list(first.labels) == [int(validation.sample(i)[1]) for i in range(count)]
    assert "nearest neighbours" in tab.captions[0].text() and "%" in tab.captions[1].text()
    assert progress and max(progress) == 2 * (count + 1)
    arrays = tab.export_arrays()
    assert arrays["conv2d_1_points"].shape == (count, 2) and list(arrays["dense_3_labels"]) == list(second.labels)
    # hover the point that stands most apart (no neighbour under the pointer), then click it
    points = first.points
    gaps = np.linalg.norm(points[:, None] - points[None], axis=-1) + np.eye(len(points)) * 1e9
    chosen = int(np.argmax(gaps.min(axis=1)))
    plot = tab.plots[0]
    x, y = (float(v) for v in points[chosen])
    plot.plot.vb.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)  # it alone
    position = settled_point(plot, x, y)
    viewport = plot.graphics.viewport()
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(position), QPointF(viewport.mapToGlobal(position)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)  # (a docked plot in an inactive window: sent directly)
    assert f"sample {chosen}" in plot.readout_text()
    assert f"validation sample {chosen}:" in tab.hover_label.text()
    assert tab.thumbnail.pixmap() is not None and not tab.thumbnail.pixmap().isNull()
    qtbot.mouseClick(plot.graphics.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.waitUntil(lambda: panel.input is not None and f"validation sample {chosen}" in panel.input.name,
                    timeout=TIMEOUT)
    np.testing.assert_allclose(panel.input.sample, validation.sample(chosen)[0], atol=1e-6)


def test_without_the_dataset_the_projector_says_what_to_load(qtbot, main_window_factory):
    window = main_window_factory()
    window.editor.document.replace(load_template("lenet"), None)
    panel = window.editor.inspection
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    tab = panel.tab_views["Embeddings"]
    panel.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.layer_combo.count() > 0, timeout=TIMEOUT)
    tab.compute_button.click()
    assert "Load the project's dataset" in tab.status.text() and tab.compute_button.isEnabled()
