"""The Predictions tab's attributions through the real panel: Compute runs the chosen method in a worker on the
very model the views show, with progress; Cancel stops it; the opacity slider covers every overlay; a new image
forgets the old map; the arrays export with it."""

from __future__ import annotations

import numpy as np
import pytest

from gui.document import ProjectDocument
from gui.inspection.panel import InspectionPanel
from models.inspection.attribution_methods import integrated_gradients
from models.templates import load_template

TIMEOUT = 60_000


@pytest.fixture
def panel(qtbot):
    panel = InspectionPanel(ProjectDocument(load_template("lenet")))
    qtbot.addWidget(panel)
    panel.resize(1200, 600)
    panel.show()
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    panel.tabs.setCurrentWidget(panel.predictions)
    yield panel
    panel.shutdown()


def choose(tab, method: str) -> None:
    combo = tab.attribution_controls.method_combo
    combo.setCurrentIndex(combo.findText(method))


def test_integrated_gradients_are_computed_in_a_worker_and_drawn_over_the_image(qtbot, panel):
    tab = panel.predictions
    controls = tab.attribution_controls
    choose(tab, "Integrated Gradients")
    controls.steps_spin.setValue(32)
    assert controls.settings_stack.currentIndex() == 0  # the IG settings are the ones shown
    progress = []
    controls.progress.valueChanged.connect(progress.append)
    controls.compute_button.click()
    assert not controls.compute_button.isEnabled() and controls.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: tab.attribution_view is not None, timeout=TIMEOUT)
    view = tab.attribution_view
    sample = panel.input.sample
    assert view.heat.shape == sample.shape[:2] and view.values.shape == sample.shape
    exact = integrated_gradients(panel.shown_model()(), sample, view.class_index, "black", 32)
    assert view.values == pytest.approx(exact.values, abs=1e-5)  # the model the views show, the pinned input
    assert progress and max(progress) == 32
    assert controls.compute_button.isEnabled() and not controls.cancel_button.isEnabled()
    assert "Integrated Gradients" in tab.attribution_title.text() and "apart" in tab.attribution_note.text()
    covered = tab.attribution.blended()
    controls.opacity_slider.setValue(0)  # every overlay fades to the bare image
    bare = tab.attribution.blended()
    assert not np.array_equal(covered, bare)
    assert panel.data.cam is not None and np.array_equal(tab.cam.blended(), bare)  # Grad-CAM fades with it
    assert np.array_equal(tab.saliency.blended(), bare)
    arrays = tab.export_arrays()
    assert arrays["integrated_gradients"].shape == sample.shape and "integrated_gradients_map" in arrays


def test_cancel_stops_a_long_occlusion_and_a_new_image_forgets_the_map(qtbot, panel):
    tab = panel.predictions
    controls = tab.attribution_controls
    choose(tab, "Occlusion")
    controls.patch_spin.setValue(1)
    controls.stride_spin.setValue(1)  # a square on every pixel: many batches
    with qtbot.waitSignal(controls.progress.valueChanged, timeout=TIMEOUT):
        controls.compute_button.click()
    controls.cancel_button.click()
    qtbot.waitUntil(lambda: tab.attribution_note.text() == "Cancelled.", timeout=TIMEOUT)
    assert tab.attribution_view is None and controls.compute_button.isEnabled()

    choose(tab, "Grad-CAM++")
    controls.compute_button.click()
    qtbot.waitUntil(lambda: tab.attribution_view is not None, timeout=TIMEOUT)
    assert tab.attribution_view.method == "Grad-CAM++"
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("astronaut")
    assert tab.attribution_view is None and "press Compute" in tab.attribution_title.text()
