"""The editor inside the main window: undo/redo, files, the unsaved-changes question, crash recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.file_actions import orphaned_recovery_files
from gui.main_window import MainWindow
from models.graph.project import Project, model_to_dict
from models.templates import load_template
from tests.qt_helpers import answer_next_message_box

ROOT = Path(__file__).resolve().parents[2]
Button = QMessageBox.StandardButton


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "strata.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings, main_window_factory):
    window = main_window_factory(settings=settings)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_undo_all_restores_the_exact_original_and_redo_the_final(window):
    document = window.editor.document
    document.replace(load_template("lenet"), None)
    original = model_to_dict(document.spec)
    canvas = window.editor.canvas
    canvas.select(["flatten_1"])
    canvas.add_layer("Dropout")
    window.editor.set_param("dropout_1", "rate", 0.25)
    window.editor.set_param("dropout_1", "rate", 0.3)  # merged with the previous step
    window.editor.rename("dropout_1", "drop")
    canvas.select(["conv2d_1"])
    window.actions_by_key["edit.delete"].trigger()
    final = model_to_dict(document.spec)
    assert document.undo_stack.count() == 4
    assert window.isWindowModified() and window.windowTitle().startswith("LeNet-5[*]")
    assert window.actions_by_key["edit.undo"].text() == "&Undo Delete conv2d_1"
    for _ in range(4):
        window.actions_by_key["edit.undo"].trigger()
    assert model_to_dict(document.spec) == original
    assert list(document.spec.nodes) == list(load_template("lenet").spec.nodes)
    assert not window.actions_by_key["edit.undo"].isEnabled()
    for _ in range(4):
        window.actions_by_key["edit.redo"].trigger()
    assert model_to_dict(document.spec) == final
    assert set(window.editor.canvas.nodes) == set(document.spec.nodes)


def test_redo_shortcut_is_ctrl_shift_z(window):
    keys = [k.toString() for k in window.actions_by_key["edit.redo"].shortcuts()]
    assert "Ctrl+Shift+Z" in keys
    assert window.actions_by_key["edit.undo"].shortcut().toString() == "Ctrl+Z"


def test_save_then_open_round_trip_and_title(window, tmp_path):
    editor = window.editor
    editor.document.replace(load_template("resnet"), None)
    editor.set_param("block1_conv1", "filters", 48)
    path = tmp_path / "mine.strata.json"
    editor.document.set_path(path)
    assert editor.files.save()
    assert path.exists() and not window.isWindowModified()
    assert window.windowTitle() == "mine.strata.json[*] — Strata"
    saved = model_to_dict(editor.document.spec)
    editor.document.replace(Project(), None)
    assert window.open_project(path)
    assert model_to_dict(editor.document.spec) == saved
    assert editor.document.spec.node("block1_conv1").params["filters"] == 48
    assert editor.files.recent_files()[0] == path.resolve()
    recent = [a.text() for a in editor.recent_menu.actions()]
    assert recent[0].endswith("mine.strata.json")


def test_a_broken_file_is_reported_and_the_open_model_stays(window, tmp_path):
    editor = window.editor
    editor.document.replace(load_template("mlp"), None)
    before = model_to_dict(editor.document.spec)
    broken = tmp_path / "broken.strata.json"
    broken.write_text('{"format_version": 1, "model": {"layers": [{"id": "a", "type": "Dense", "inputs": ["zz"]}]}')
    seen: list[str] = []
    answer_next_message_box(Button.Ok, seen)
    assert not window.open_project(broken)
    assert seen and "broken.strata.json" in seen[0]
    assert model_to_dict(editor.document.spec) == before


def test_dropping_a_project_file_on_the_window_opens_it(window, tmp_path, qtbot):
    path = tmp_path / "dropped.strata.json"
    load_template("vit").save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    canvas = window.editor.canvas
    point = canvas.viewport().rect().center()
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.editor.document.path == path, timeout=2000)  # opened once the drop is over
    assert window.windowTitle().startswith("dropped.strata.json")
    assert "patches" in window.editor.canvas.nodes


def test_closing_with_unsaved_changes_asks(window):
    window.editor.canvas.add_layer("Input")
    seen: list[str] = []
    answer_next_message_box(Button.Cancel, seen)
    assert not window.close()
    assert window.isVisible() and "Save the changes" in seen[0]
    answer_next_message_box(Button.Discard, seen)
    assert window.close()


def type_into(qtbot, widget, text: str) -> None:
    """Select what is there, type the new text and press Enter, as a person commits a value."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_typing_in_the_inspector_updates_the_card_and_summary(window, qtbot):
    editor = window.editor
    editor.document.replace(load_template("lenet"), None)
    editor.canvas.select(["conv2d_1"])
    assert editor.inspector.node_id == "conv2d_1"
    type_into(qtbot, editor.inspector.rows["filters"].editor.spin, "12")
    assert editor.document.spec.node("conv2d_1").params["filters"] == 12
    assert editor.canvas.nodes["conv2d_1"].shape_text.startswith("(28, 28, 12)")
    row = next(r for r in range(editor.summary.model.rowCount())
               if editor.summary.model.index(r, 0).data().startswith("conv2d_1"))
    assert editor.summary.model.index(row, 1).data() == "(None, 28, 28, 12)"
    assert editor.summary.model.rowCount() == len(editor.document.spec)
    window.actions_by_key["edit.undo"].trigger()
    assert editor.canvas.nodes["conv2d_1"].shape_text.startswith("(28, 28, 6)")
    assert editor.inspector.rows["filters"].editor.value() == 6


def test_an_invalid_value_is_marked_on_the_card_and_in_the_summary_and_fix_repairs_it(window, qtbot):
    editor = window.editor
    editor.document.replace(load_template("lenet"), None)
    editor.canvas.select(["conv2d_2"])
    type_into(qtbot, editor.inspector.rows["kernel_size"].editor.spins[0], "40")
    card = editor.canvas.nodes["conv2d_2"]
    assert card.problem is not None and card.problem.severity == "error"
    assert "larger than its" in card.toolTip()
    assert editor.summary.problems_list.count() == 1
    assert "conv2d_2" in editor.summary.problems_list.item(0).text()
    assert "larger than its" in editor.inspector.rows["kernel_size"].message.text()  # told where it is caused
    editor.canvas.select([])
    list_view = editor.summary.problems_list
    window.docks["summary"].raise_()
    rect = list_view.visualItemRect(list_view.item(0))
    qtbot.mouseClick(list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.canvas.selected_ids() == ["conv2d_2"]  # clicking a problem selects its layer
    center = editor.canvas.mapFromScene(card.mapToScene(card.fix_rect().center()))
    qtbot.mouseClick(editor.canvas.viewport(), Qt.MouseButton.LeftButton, pos=center)
    menu = editor.canvas.fix_menu  # padding='same' or a kernel that fits: both are offered
    qtbot.waitUntil(menu.isVisible)
    menu.actions()[0].trigger()
    menu.hide()
    assert editor.document.spec.node("conv2d_2").params["padding"] == "same"
    assert card.problem is None
    assert editor.summary.problems_header.text() == "No problems"
    assert editor.document.report.valid


PROJECT_WITH_WORK = "crashed_work"

CRASHING_SESSION = textwrap.dedent(f"""
    import os, sys
    sys.path.insert(0, {str(ROOT)!r})
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    app.setOrganizationName("Strata"); app.setApplicationName("Strata")
    from gui.main_window import MainWindow
    from models.templates import load_template
    window = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat), load_runtime=False,
                        offer_recovery=False)
    window.editor.document.replace(load_template("mlp"), None)
    window.editor.rename("dense_1", "{PROJECT_WITH_WORK}")
    assert window.editor.files.autosave()
    os._exit(9)  # die without any clean-up, like a crash
""")


def test_work_survives_a_crash_and_is_offered_at_the_next_start(tmp_path, settings, main_window_factory):
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(tmp_path / "crashed.ini")],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    assert len(orphaned_recovery_files()) == 1

    window = main_window_factory(settings=settings)
    seen: list[str] = []
    answer_next_message_box(Button.Yes, seen)
    assert window.editor.files.offer_recovery()
    assert "did not close properly" in seen[0]
    assert PROJECT_WITH_WORK in window.editor.document.spec
    assert window.editor.document.modified
    assert orphaned_recovery_files() == []
    window.editor.files.discard_recovery()


CRASHING_AFTER_AN_IMPORT = textwrap.dedent(f"""
    import json, os, sys
    sys.path.insert(0, {str(ROOT)!r})
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    app.setOrganizationName("Strata"); app.setApplicationName("Strata")
    import keras, numpy as np
    from gui.main_window import MainWindow
    from models.building.import_project import project_from_keras
    window = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat), load_runtime=False,
                        offer_recovery=False)
    inputs = keras.Input((4,), name="x")
    model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(inputs))
    model.get_layer("dense").set_weights([np.full((4, 3), 0.25, "float32"), np.arange(3, dtype="float32")])
    imported = project_from_keras(model, "a model of the lab")
    window.editor.document.replace_with_import(imported.project, imported.record["id"], imported.model)
    files = window.editor.files
    assert files.autosave()
    files.recovery_models.wait()
    app.processEvents()  # the written models are named in the recovery file at once
    assert json.loads(files.recovery_path.read_text())["models"], "the model was not kept"
    os._exit(9)
""")


def test_the_weights_of_an_unsaved_import_survive_a_crash(qtbot, tmp_path, settings, main_window_factory):
    import numpy as np

    result = subprocess.run([sys.executable, "-c", CRASHING_AFTER_AN_IMPORT, str(tmp_path / "crashed.ini")],
                            env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert result.returncode == 9, result.stderr[-2000:]
    (orphan,) = orphaned_recovery_files()
    window = main_window_factory(settings=settings)
    answer_next_message_box(QMessageBox.StandardButton.Yes, [])
    assert window.editor.files.offer_recovery()
    document = window.editor.document
    run_id = document.project.runs[0]["id"]
    qtbot.waitUntil(lambda: run_id in document.unsaved_models, timeout=60_000)  # read back in a worker
    kernel, bias = document.unsaved_models[run_id].get_layer("dense").get_weights()
    np.testing.assert_array_equal(kernel, np.full((4, 3), 0.25))
    np.testing.assert_array_equal(bias, [0, 1, 2])
    assert window.editor.training.trained_model is document.unsaved_models[run_id]  # Inspection shows it
    qtbot.waitUntil(lambda: not orphan.with_name(orphan.name.split(".")[0] + "-models").exists(), timeout=5000)
    saved = tmp_path / "lab.strata.json"
    document.set_path(saved)
    assert window.editor.files.save() and (tmp_path / "lab-models" / f"{run_id}.keras").is_file()


def test_autosave_timer_writes_the_recovery_file_and_a_save_removes_it(qtbot, settings, tmp_path,
                                                                       main_window_factory):
    window = main_window_factory(settings=settings, autosave_ms=50)
    files = window.editor.files
    assert not files.recovery_path.exists()
    window.editor.canvas.add_layer("Input")
    qtbot.waitUntil(files.recovery_path.exists, timeout=3000)
    window.editor.document.set_path(tmp_path / "a.strata.json")
    assert files.save()
    assert not files.recovery_path.exists()


def test_autosave_follows_merged_edits_and_the_newly_opened_project(window, tmp_path):
    import json

    editor = window.editor
    files = editor.files
    editor.document.replace(load_template("lenet"), None)
    editor.set_param("conv2d_1", "filters", 7)
    assert files.autosave()
    editor.set_param("conv2d_1", "filters", 9)  # merged into the same undo step
    assert files.autosave()
    saved = json.loads(files.recovery_path.read_text())["project"]
    assert saved["model"]["layers"][1]["params"]["filters"] == 9
    other = tmp_path / "other.strata.json"
    load_template("mlp").save(other)
    editor.document.undo_stack.setClean()
    assert window.open_project(other)
    assert not files.recovery_path.exists()  # the old project's recovery file goes with it
    editor.set_param("dense_1", "units", 5)
    assert files.autosave()
    saved = json.loads(files.recovery_path.read_text())
    assert saved["path"] == str(other) and saved["project"]["name"] == load_template("mlp").name


def test_opening_a_model_from_an_empty_canvas_shows_it(window, tmp_path):
    path = tmp_path / "resnet.strata.json"
    load_template("resnet").save(path)
    assert window.open_project(path)
    canvas = window.editor.canvas
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert visible.contains(canvas.nodes["image"].sceneBoundingRect())  # the top of the model is in view
    assert canvas.zoom_level() >= 0.69


def test_an_edit_does_not_pull_the_inspector_over_the_data_tab(window):
    editor = window.editor
    editor.document.replace(load_template("lenet"), None)
    editor.canvas.select(["conv2d_1"])
    window.docks["data"].raise_()
    editor.set_param("conv2d_1", "filters", 9)
    window.actions_by_key["edit.undo"].trigger()
    assert not window.docks["data"].visibleRegion().isEmpty()


def test_closing_and_deleting_a_window_with_undo_history_raises_nothing(qtbot, settings):
    from PySide6.QtCore import QEvent

    window = MainWindow(settings=settings, load_runtime=False, offer_recovery=False)
    window.editor.document.replace(load_template("lenet"), None)
    window.editor.set_param("conv2d_1", "filters", 9)
    window.editor.document.undo_stack.setClean()
    assert window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # pytest-qt fails the test on a slot error
