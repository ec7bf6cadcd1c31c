"""The Features view through the real panel: Compute optimises one image per chosen channel in a worker on the
model the views show, with progress, and captions each with the value it reaches beside its random start;
Cancel stops it. (A model without image input says why: test_inspection_panel's toy-data test.)"""

from __future__ import annotations

import numpy as np

from gui.document import ProjectDocument
from gui.inspection.panel import InspectionPanel
from models.templates import load_template

TIMEOUT = 60_000


def open_panel(qtbot, template: str) -> InspectionPanel:
    panel = InspectionPanel(ProjectDocument(load_template(template)))
    qtbot.addWidget(panel)
    panel.resize(1200, 600)
    panel.show()
    panel.tabs.setCurrentWidget(panel.tab_views["Features"])
    return panel


def test_a_layer_grid_is_optimised_in_a_worker_and_captioned_with_its_activations(qtbot):
    panel = open_panel(qtbot, "lenet")
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    tab = panel.tab_views["Features"]
    qtbot.waitUntil(lambda: tab.layer_combo.count() > 0, timeout=TIMEOUT)
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData("conv2d_2"))
    tab.first_spin.setValue(2)
    tab.count_spin.setValue(4)
    tab.steps_spin.setValue(32)
    tab.size_spin.setValue(32)
    progress = []
    tab.progress.valueChanged.connect(progress.append)
    tab.compute_button.click()
    assert tab.cancel_button.isEnabled() and not tab.compute_button.isEnabled()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=TIMEOUT)
    result = tab.result
    assert result.layer_id == "conv2d_2" and result.channels == [2, 3, 4, 5]
    assert result.images.shape[:3] == (4, 32, 32)
    assert np.all(result.final_activation > result.start_activation)
    assert progress and max(progress) == 32
    assert tab.grid._titles[0] == f"2: {result.final_activation[0]:.2g} ({result.start_activation[0]:.2g})"
    assert "before its activation function" in tab.status.text()
    assert set(tab.export_arrays()) == {"feature_images", "channels", "start_activation", "final_activation"}
    panel.shutdown()


def test_cancel_stops_the_optimisation(qtbot):
    panel = open_panel(qtbot, "lenet")
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    tab = panel.tab_views["Features"]
    qtbot.waitUntil(lambda: tab.layer_combo.count() > 0, timeout=TIMEOUT)
    tab.steps_spin.setValue(2048)
    with qtbot.waitSignal(tab.progress.valueChanged, timeout=TIMEOUT):
        tab.compute_button.click()
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: tab.status.text() == "Cancelled.", timeout=TIMEOUT)
    assert tab.result is None and tab.compute_button.isEnabled()
    panel.shutdown()
