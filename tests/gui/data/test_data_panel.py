"""The Data panel driven like a person: choose a source, load off the GUI thread, see samples and counts,
adapt the model, drop a folder, cancel, and keep working after a bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from gui.data.panel import DataPanel
from gui.document import ProjectDocument
from models.graph.project import model_to_dict
from models.templates import load_template


@pytest.fixture
def panel(qtbot):
    document = ProjectDocument(load_template("lenet"))
    panel = DataPanel(document)
    qtbot.addWidget(panel)
    panel.resize(320, 900)
    panel.show()
    yield panel
    panel.cancel()


def load_and_wait(qtbot, panel: DataPanel, action=None, timeout: int = 30_000):
    with qtbot.waitSignal(panel.dataset_loaded, timeout=timeout) as blocker:
        (action or panel.load)()
    return blocker.args[0]


def choose(panel: DataPanel, name: str) -> None:
    index = panel.source_combo.findData(name)
    panel.source_combo.setCurrentIndex(index)
    panel.source_combo.activated.emit(index)


def test_loading_the_projects_data_shows_samples_counts_and_fit(qtbot, panel):
    dataset = load_and_wait(qtbot, panel, lambda: qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton))
    assert dataset.info.name == "Shapes" and panel.dataset is dataset
    assert panel.samples.kind == "images" and len(panel.samples.cells) == 16
    assert panel.chart.counts == dataset.info.class_counts and sum(panel.chart.counts) == dataset.train.count
    assert "(28, 28, 1)" in panel.status.text() and "train 4,000" in panel.status.text()
    assert "Fits the model" in panel.fit_label.text() and not panel.adapt_button.isVisible()
    assert not panel.progress.isVisible() and panel.load_button.isEnabled()


def test_choosing_another_source_is_an_undoable_project_edit_and_adapt_fixes_the_model(qtbot, panel):
    document = panel.document
    original_model = model_to_dict(document.spec)
    dataset = load_and_wait(qtbot, panel, lambda: choose(panel, "digits"))  # built-in sources load at once
    assert dataset.info.input_shape == (8, 8, 1)
    assert document.project.dataset == {"source": "digits", "options": {}}
    assert "Does not fit" in panel.fit_label.text() and panel.adapt_button.isVisible()
    qtbot.mouseClick(panel.adapt_button, Qt.MouseButton.LeftButton)
    assert document.spec.node("image").params["shape"] == [8, 8, 1]
    assert document.spec.node("dense_3").params["units"] == 10
    assert "Fits the model" in panel.fit_label.text()
    document.undo_stack.undo()  # the adaptation
    assert model_to_dict(document.spec) == original_model
    document.undo_stack.undo()  # the dataset choice
    assert document.project.dataset["source"] == "shapes"
    assert panel.source_combo.currentData() == "shapes"


def test_an_option_edit_is_stored_in_the_project(qtbot, panel):
    spin = panel.editors["count_per_class"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "40")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    # only options that differ from the source's defaults are written (size 28 is the default)
    assert panel.document.project.dataset == {"source": "shapes", "options": {"count_per_class": 40}}
    dataset = load_and_wait(qtbot, panel)
    assert dataset.train.count + dataset.validation.count == 200


def make_folder(root: Path) -> Path:
    for name, color in (("red", (220, 20, 20)), ("blue", (20, 20, 220))):
        (root / name).mkdir(parents=True)
        for i in range(5):
            Image.new("RGB", (30 + i, 30), color).save(root / name / f"{i}.png")
    (root / "blue" / "broken.jpg").write_text("not a picture")
    return root


def test_dropping_a_folder_on_the_panel_loads_it_and_lists_skipped_files(qtbot, panel, tmp_path):
    folder = make_folder(tmp_path / "colours")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    point = panel.rect().center()
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    dataset = load_and_wait(qtbot, panel, lambda: QApplication.sendEvent(panel, drop))
    assert dataset.info.class_names == ["blue", "red"]
    assert panel.document.project.dataset["source"] == "image_folder"
    assert panel.skipped_list.count() == 1 and "broken.jpg" in panel.skipped_list.item(0).text()
    assert "1 file(s) skipped" in panel.status.text()
    assert len(panel.samples.cells) == 8  # 10 images, 80% for training


def test_a_broken_file_gives_a_message_and_keeps_the_loaded_data(qtbot, panel, tmp_path):
    loaded = load_and_wait(qtbot, panel)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,,x\n")
    with qtbot.waitSignal(panel.load_failed, timeout=20_000) as blocker:
        panel.open_path(str(bad))
    assert "empty cell" in blocker.args[0]
    assert "empty cell" in panel.status.text() and "still in use" in panel.status.text()
    assert panel.dataset is loaded and panel.load_button.isEnabled()


def test_cancel_stops_a_load(qtbot, panel):
    panel.editors["count_per_class"].set_value(20000)
    panel.load()
    assert panel.is_loading() and panel.cancel_button.isVisible()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.is_loading()
    assert not panel.cancel_button.isVisible() and panel.load_button.isEnabled()


def test_two_dimensional_data_is_previewed_as_points(qtbot, panel):
    load_and_wait(qtbot, panel, lambda: choose(panel, "toy2d"))
    assert panel.samples.kind == "points"
    sequences = load_and_wait(qtbot, panel, lambda: choose(panel, "sequences"))
    assert panel.samples.kind == "rows" and sequences.info.input_dtype == "int32"
    assert np.issubdtype(sequences.train.x.dtype, np.integer)


def test_the_loaded_dataset_is_offered_only_for_the_choice_it_came_from(qtbot, panel):
    dataset = load_and_wait(qtbot, panel)
    same = {"source": "shapes", "options": {"size": 28, "count_per_class": 1000}}  # size 28 is the default
    assert panel.dataset_for(same) is dataset
    assert panel.dataset_for({"source": "shapes", "options": {"size": 32}}) is None
    assert panel.dataset_for({"source": "digits"}) is None


def test_a_replaced_load_cannot_reset_the_new_one(qtbot, panel):
    panel.editors["count_per_class"].set_value(20000)
    panel.load()
    first = panel.loader
    panel.editors["count_per_class"].set_value(20)
    dataset = load_and_wait(qtbot, panel)  # cancels the first, starts the second
    qtbot.waitUntil(lambda: not shiboken6.isValid(first))  # finished, and deleted: loaders do not pile up
    assert panel.loader is not first
    assert dataset.train.count + dataset.validation.count == 100
    assert panel.status.text().startswith("<b>Shapes</b>")  # not "Loading cancelled."


def test_a_new_project_naming_the_same_source_loads_its_data_again(qtbot, panel):
    first = load_and_wait(qtbot, panel)
    project = load_template("lenet")
    project.dataset = panel.choice()  # exactly what the form shows
    again = load_and_wait(qtbot, panel, lambda: panel.document.replace(project, None))
    assert again is not first and panel.dataset is again
    assert panel.dataset_for(panel.document.project.dataset) is again


def test_refused_options_from_a_file_are_not_loaded_and_load_uses_the_form(qtbot, panel):
    """A file asking for 10^12 samples: nothing is generated, the form keeps its other options (moons) with the
    option's default in place of the refused value, and Load makes that the project's choice."""
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 10**12}}
    panel.document.replace(project, None)
    assert panel.loader is None and panel.dataset is None  # no load started
    assert "samples must be at most 200000" in panel.status.text()
    assert panel.editors["kind"].value() == "moons" and panel.editors["samples"].value() == 1000
    dataset = load_and_wait(qtbot, panel)
    assert dataset.train.count + dataset.validation.count == 1000
    assert panel.document.project.dataset == {"source": "toy2d", "options": {"kind": "moons"}}


def test_a_new_project_is_not_told_about_the_old_projects_load(qtbot, panel):
    panel.editors["count_per_class"].set_value(20000)
    panel.load()
    first = panel.loader
    project = load_template("mlp")  # names other data, and starts no load of its own
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 10 ** 12}}
    panel.document.replace(project, None)
    qtbot.waitUntil(lambda: not shiboken6.isValid(first))  # the old load stopped, and what it sent was dropped
    assert panel.dataset is None and panel.session.state.dataset is None
    assert "Loading cancelled" not in panel.status.text()
