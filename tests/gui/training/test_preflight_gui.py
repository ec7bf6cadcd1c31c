"""The Check tab: the pre-flight checks from the window, in a worker, with their fixes one click away."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.document import ProjectDocument
from gui.training.panel import TrainingPanel
from models.checks.preflight import PASS, WARN
from models.templates import load_template


@pytest.fixture
def panel(qtbot):
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 400}}
    project.training = {"learning_rate": 1e-6}  # far too low: the range test says so
    panel = TrainingPanel(ProjectDocument(project))
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    yield panel
    panel.cancel_checks()
    panel.stop_and_wait()


def test_the_checks_run_in_a_worker_and_the_suggested_rate_is_one_click_and_one_undo(qtbot, panel):
    view = panel.preflight
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert panel.tabs.currentWidget() is view and not view.run_button.isEnabled() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: bool(view.results), timeout=120_000)
    assert [r.name for r in view.results] == ["data", "memory", "overfit", "learning_rate"]
    text = view.lines.text()
    assert text.count("PASS") + text.count("WARN") + text.count("FAIL") == 4 and "Overfit one batch" in text
    rate = view.result("learning_rate")
    assert rate.status == WARN and view.plot.isVisible() and view.use_rate_button.isVisible()
    assert view.use_rate_button.text() == f"Use Learning Rate {rate.data['suggested']:g}"
    assert view.result("memory").status == PASS and not view.use_batch_button.isVisible()
    qtbot.mouseClick(view.use_rate_button, Qt.MouseButton.LeftButton)
    assert panel.document.project.training["learning_rate"] == rate.data["suggested"]
    assert panel.editors["learning_rate"].value() == pytest.approx(rate.data["suggested"])
    panel.document.undo_stack.undo()
    assert panel.document.project.training["learning_rate"] == 1e-6
    assert view.run_button.isEnabled() and panel.check_button.isEnabled()


def test_cancelling_the_checks_says_so_and_leaves_the_panel_ready(qtbot, panel):
    view = panel.preflight
    panel.run_checks()
    qtbot.waitUntil(lambda: "Overfitting" in view.progress_label.text(), timeout=120_000)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)  # the range test is seconds away yet
    qtbot.waitUntil(lambda: view.run_button.isEnabled(), timeout=60_000)
    assert view.results == [] and view.progress_label.text() == "Cancelled."
    assert panel.check_button.isEnabled() and not panel.checks.is_running()
