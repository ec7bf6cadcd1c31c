"""Lessons through the real window: each opens from the Lessons menu (or the start page) as a ready project with
its views arranged and the Lesson panel, runs its experiment in a worker, and shows the measured evidence with
the trained project (runs, curves, model) brought back."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from models.graph.project import Project
from models.lessons import LESSONS
from models.training.initial_weights import initial_weights

pytestmark = pytest.mark.slow


def lesson_window(qtbot, main_window_factory, tmp_path):
    window = main_window_factory(lessons_folder=tmp_path)
    window.lessons.quick = True  # smaller runs with the same property
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def menu_action(window, name: str):
    return next(action for action in window.lessons.menu.actions() if action.objectName() == f"lesson.{name}")


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_lesson_opens_from_the_menu_runs_and_shows_its_evidence(qtbot, main_window_factory, tmp_path, name):
    lesson = LESSONS[name]
    window = lesson_window(qtbot, main_window_factory, tmp_path)
    menu_action(window, name).trigger()
    panel, document = window.lessons.panel, window.editor.document
    qtbot.waitUntil(window.lessons.dock.isVisible)
    assert window.workspaces.current == lesson.workspace
    assert document.project.name == lesson.project().name and len(document.spec) > 0
    assert lesson.look_at in panel.look_at.text() and not panel.evidence.isVisible()
    if lesson.view:
        inspection = window.editor.inspection
        assert inspection.tabs.currentWidget() is inspection.tab_views[lesson.view]
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    qtbot.waitUntil(panel.evidence.isVisible, timeout=240_000)
    written = json.loads((tmp_path / name / "evidence.json").read_text())
    assert written["lesson"] == name and written["table"]
    text = panel.evidence.text()
    assert ("Shown on this run" if written["held"] else "Not shown on this run") in text
    assert all(cell.replace("·", "&middot;") in text or cell in text for cell in written["table"][0][1:2])
    # the trained project replaced the untrained one: its runs (with curves) and, loaded in a thread, its model
    assert document.path == tmp_path / name / "project.strata.json"
    assert document.project.runs == Project.load(document.path).runs and document.project.runs
    plotted = window.editor.training.runs.model.plotted  # the lesson's runs overlaid in the curves
    assert plotted == {str(r.get("group") or r["id"]) for r in document.project.runs}
    qtbot.waitUntil(lambda: window.editor.session.state.trained_model is not None, timeout=60_000)
    assert window.lessons.dock.isVisible() and window.lessons.current == name
    # the weights the lesson's model started from came back with it: "before training" is the slider's start
    assert initial_weights(window.editor.session.state.trained_model) is not None
    assert (tmp_path / name / "model.initial.npz").is_file()
    qtbot.waitUntil(lambda: len(window.editor.inspection.live_controls.snapshots) == 1, timeout=60_000)
    assert written["held"], written["verdict"]
    if name == "attention":  # the baselines at chance, attention well above them, looking at the named item
        measured, reference = written["measured"], written["reference"]
        assert measured["attention val_accuracy"] >= 0.9
        assert reference["bag val_accuracy"] <= 0.6 and reference["per-token val_accuracy"] <= 0.6
        assert measured["question to its item"] > 3 * reference["uniform"] > 3 * reference["question to other items"]
    if name == "edges":
        assert written["measured"]["median trained"] > written["reference"]["median random"] + 0.15


def test_a_lesson_from_the_start_page_remembers_its_evidence_and_can_be_stopped(qtbot, main_window_factory,
                                                                                tmp_path):
    window = lesson_window(qtbot, main_window_factory, tmp_path)
    window.editor.document.replace(Project(), None)
    page = window.editor.start_page
    qtbot.waitUntil(page.isVisible)
    assert page.lessons.count() == len(LESSONS)
    item = next(page.lessons.item(i) for i in range(page.lessons.count()) if page.lessons.item(i).data(
        Qt.ItemDataRole.UserRole) == "learning-rate")
    page.lessons.itemActivated.emit(item)
    panel = window.lessons.panel
    qtbot.waitUntil(window.lessons.dock.isVisible)
    assert window.lessons.current == "learning-rate"
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=60_000)  # progress once per epoch
    assert "Run 1 of 3" in panel.status.text()
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.lessons.is_running(), timeout=60_000)
    assert "Stopped" in panel.status.text() and panel.run_button.isEnabled()
    assert not (tmp_path / "learning-rate" / "evidence.json").exists()  # nothing half-measured is kept
    # a lesson that ran before shows that evidence when opened again
    (tmp_path / "depth").mkdir()
    (tmp_path / "depth" / "evidence.json").write_text(json.dumps(
        {"lesson": "depth", "claim": "c", "measured": {}, "reference": {}, "verdict": "Depth helped here.",
         "held": True, "table": [["Validation accuracy", "deep: 0.97", "shallow: 0.85"]], "seconds": 20}))
    window.editor.document.undo_stack.setClean()
    menu_action(window, "depth").trigger()
    qtbot.waitUntil(panel.evidence.isVisible)
    assert "deep: 0.97" in panel.evidence.text() and "last run" in panel.status.text()
    assert not panel.open_button.isVisible()  # that run left no project to open
    # a lesson whose last run left its project: opened as it was, without training again
    menu_action(window, "learning-rate").trigger()
    assert not panel.open_button.isVisible()
    folder = tmp_path / "learning-rate"
    folder.mkdir(exist_ok=True)
    LESSONS["learning-rate"].project().save(folder / "project.strata.json")
    (folder / "evidence.json").write_text((tmp_path / "depth" / "evidence.json").read_text())
    menu_action(window, "learning-rate").trigger()
    assert panel.open_button.isVisible()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert window.editor.document.path == folder / "project.strata.json" and window.lessons.current == "learning-rate"
    assert panel.evidence.isVisible() and not panel.open_button.isVisible()
    # opening another project ends the lesson
    window.editor.document.replace(Project(), None)
    assert not window.lessons.dock.isVisible() and window.lessons.current is None
