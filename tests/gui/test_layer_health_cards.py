"""Layer health on the canvas through the real window: while a run trains, the cards of the layers get their
health (a sparkline over the run, a green or orange foot, the numbers and warnings in the tooltip); the run keeps
it, and reopening the project shows the last run's health again."""

from __future__ import annotations

import pytest

from models.templates import load_template

TIMEOUT = 120_000


def test_the_cards_show_each_layers_health_during_and_after_a_run(qtbot, main_window_factory, tmp_path):
    window = main_window_factory()
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"size": 28, "count_per_class": 40}}
    project.training = {"epochs": 2, "batch_size": 16, "health_every": 2}
    window.editor.document.replace(project, None)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    canvas, training = window.editor.canvas, window.editor.training
    updates = []
    training.health_changed.connect(lambda history: updates.append(len(history.steps)))
    with qtbot.waitSignal(training.finished, timeout=TIMEOUT) as finished:
        training.start()
    assert finished.args[0].ok
    qtbot.waitUntil(lambda: canvas.nodes["conv2d_1"].health is not None, timeout=10_000)
    assert updates[0] == 0 and max(updates) >= 1  # cleared when the run began, then grown
    record = window.editor.document.project.runs[-1]
    steps = record["health"]["steps"]
    assert steps and all(step % 2 == 0 for step in steps)
    card = canvas.nodes["conv2d_1"]
    assert card.health.step == steps[-1] and len(card.health.line) == len(steps)
    assert card.health.line[-1] == pytest.approx(record["health"]["layers"]["conv2d_1"]["gradient_norm"][-1],
                                                 rel=1e-3)
    assert "Layer health at step" in card.toolTip() and "update / weight" in card.toolTip()
    assert canvas.nodes["flatten_1"].health.line_label == "output spread (std)"  # no weights: its output
    image = canvas.grab()  # painted without error, sparkline and foot included
    assert not image.isNull()
    window.editor.set_param("dense_1", "units", 64)  # edited since the run: its health was another layer's
    assert canvas.nodes["dense_1"].health is None and canvas.nodes["conv2d_1"].health is not None
    # the run keeps it: saved and opened again, the cards show the last run's health
    path = tmp_path / "health.strata.json"
    window.editor.document.save(path)
    window.editor.document.replace(load_template("lenet"), None)
    assert canvas.nodes["conv2d_1"].health is None
    window.editor.files.open_path(path, ask=False)
    qtbot.waitUntil(lambda: canvas.nodes.get("conv2d_1") is not None and canvas.nodes["conv2d_1"].health is not None,
                    timeout=10_000)
    assert canvas.nodes["conv2d_1"].health.step == steps[-1]
