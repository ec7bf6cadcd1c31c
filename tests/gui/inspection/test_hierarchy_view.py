"""The Hierarchy view through the real window: after a short run, Measure probes every conv layer now and before
training, shows the patches that excite the chosen layer most, and a click on the image shows the receptive field
of the unit there."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from models.templates import load_template

pytestmark = pytest.mark.slow
TIMEOUT = 120_000


def test_measure_probes_every_conv_layer_now_and_before_training_and_a_click_shows_a_field(qtbot,
                                                                                             main_window_factory,
                                                                                             tmp_path):
    window = main_window_factory()
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"size": 28, "count_per_class": 40}}
    project.training = {"epochs": 2, "batch_size": 16}
    window.editor.document.replace(project, None)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    panel, training = window.editor.inspection, window.editor.training
    window.docks["inspection"].raise_()
    with qtbot.waitSignal(training.finished, timeout=TIMEOUT) as finished:
        training.start()
    assert finished.args[0].ok
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_dataset_sample(0, "validation")
    tab = panel.tab_views["Hierarchy"]
    panel.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.layer_combo.count() > 0, timeout=TIMEOUT)
    conv_layers = [tab.layer_combo.itemData(i) for i in range(tab.layer_combo.count())]
    assert conv_layers == [i for i, kind in panel.data.layer_types.items() if kind == "Conv2D"]
    tab.samples_spin.setValue(100)
    qtbot.mouseClick(tab.measure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.measure is not None, timeout=TIMEOUT)
    measure = tab.measure
    assert measure.layers == conv_layers and set(tab.probe_plot.lines) == {"now", "before training"}
    assert all(0.0 <= value <= 1.0 for value in measure.trained.values())
    assert measure.initial is not None and 0.2 <= measure.chance < 0.5  # five shapes, 40 validation samples
    # fields grow with depth, and the patches are the chosen layer's strongest units, strongest first
    heights = [measure.fields[name][0] for name in conv_layers]
    assert heights == sorted(heights) and heights[-1] > heights[0]
    assert tab.patches.tile_count() == len(measure.channels) * 6 and "%" in tab.status.text()
    for channel in measure.channels:
        values = [patch.value for patch in measure.top[channel]]
        assert values == sorted(values, reverse=True)
    # a click on the image: the unit there, its box and its effective field inside it
    image = tab.image
    qtbot.mouseClick(image, Qt.MouseButton.LeftButton, pos=image.image_rect().center())
    qtbot.waitUntil(lambda: tab.field is not None, timeout=TIMEOUT)
    field = tab.field
    assert field.effective.shape == (28, 28) and field.effective.max() == pytest.approx(1.0)
    rows, columns = np.nonzero(field.effective > 0)
    assert all(field.box.contains(r, c) for r, c in zip(rows, columns, strict=True))  # never outside what it sees
    assert "can see" in tab.field_label.text() and image.marker is not None
    assert {"probe_now", "probe_before_training", "effective_field"} <= set(tab.export_arrays())
    # saved and opened again, the run still knows where it started: the slider's first position and the probe
    path = tmp_path / "shapes.strata.json"
    window.editor.files._save_to(path)
    assert (tmp_path / "shapes-models" / "run-1.initial.npz").is_file()
    assert window.editor.files.open_path(path, ask=False)
    qtbot.waitUntil(lambda: window.editor.session.state.trained_model is not None, timeout=TIMEOUT)
    controls = panel.live_controls
    qtbot.waitUntil(lambda: len(controls.snapshots) == 1, timeout=TIMEOUT)
    assert controls.epoch_slider.minimum() == 0 and controls.epoch_slider.maximum() == 1
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_dataset_sample(0, "validation")
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        controls.epoch_slider.setValue(0)
    assert panel.data.source == "model before training (initial weights)"
    tab.measure = None
    qtbot.mouseClick(tab.measure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.measure is not None, timeout=TIMEOUT)
    assert tab.measure.initial == pytest.approx(measure.initial)  # the same weights before training, from the file
