"""A Keras model file opened in the window: dropped on it, chosen from the start page's file dialog or File ▸ Open.
Its graph fills the canvas, its weights are the project's trained model at once (Inspection shows what they make
of an image), a save writes them beside the project, and a broken file is a message."""

from __future__ import annotations

import keras
import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from models.graph.project import Project
from models.inspection.probe import Probe
from tests.qt_helpers import answer_next_message_box

TIMEOUT = 120_000


def small_model_file(tmp_path):
    inputs = keras.Input((16, 16, 3), name="pixels")
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.UnitNormalization(name="unit")(x)  # no catalog entry: kept as Keras describes it
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="classes")(x), name="small_net")
    path = tmp_path / "small_net.keras"
    model.save(path)
    return model, path


def shown_window(qtbot, main_window_factory):
    window = main_window_factory()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def drop_file(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def window_with_a_dropped_model(qtbot, main_window_factory, tmp_path):
    """(the Keras model, the window that opened its file from a drop)."""
    model, path = small_model_file(tmp_path)
    window = shown_window(qtbot, main_window_factory)
    with qtbot.waitSignal(window.editor.files.model_imported, timeout=TIMEOUT):
        drop_file(window, path)
    return model, window


def test_a_dropped_keras_file_opens_with_its_weights_inspects_and_saves(qtbot, main_window_factory, tmp_path):
    model, window = window_with_a_dropped_model(qtbot, main_window_factory, tmp_path)
    editor = window.editor
    spec = editor.document.spec
    assert [node.type for node in spec.nodes.values()] == ["Input", "Conv2D", "KerasLayer",
                                                            "GlobalAveragePooling2D", "Dense"]
    assert editor.document.modified and editor.document.path is None  # unsaved work until Save
    assert editor.training.trained_model is not None and not editor.start_page.isVisible()
    assert "Imported small_net: 5 layers" in window.statusBar().currentMessage()

    panel = editor.inspection
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_photo("cat")
    qtbot.waitUntil(lambda: "imported model" in panel.model_label.text(), timeout=TIMEOUT)
    expected = Probe(model)(panel.input.sample)  # the file's own weights, computed by Keras on the same input
    for layer in ("conv", "unit", "classes"):
        np.testing.assert_allclose(panel.data.outputs[layer], expected[layer], atol=1e-5)

    project_path = tmp_path / "small.strata.json"
    assert editor.files._save_to(project_path)
    assert (tmp_path / "small-models" / "import-1.keras").is_file() and not editor.document.modified
    reopened = Project.load(project_path)
    assert reopened.runs[-1]["status"] == "imported"
    assert reopened.runs[-1]["model_file"] == "small-models/import-1.keras"


def test_the_start_page_opens_a_keras_model_through_its_file_dialog(qtbot, main_window_factory, tmp_path):
    _model, path = small_model_file(tmp_path)
    window = shown_window(qtbot, main_window_factory)
    window.editor.document.replace(Project(), None)
    page = window.editor.start_page
    qtbot.waitUntil(page.isVisible)

    def choose_file() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            assert "Keras models" in dialog.nameFilters()[0]
            dialog.selectFile(str(path))
            dialog.accept()
        else:
            QTimer.singleShot(50, choose_file)

    QTimer.singleShot(50, choose_file)
    with qtbot.waitSignal(window.editor.files.model_imported, timeout=TIMEOUT):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert "classes" in window.editor.document.spec.nodes
    window.editor.document.undo_stack.setClean()
    window.editor.document.unsaved_models.clear()


def test_a_broken_keras_file_is_a_message_and_the_project_stays(qtbot, main_window_factory, tmp_path):
    window = shown_window(qtbot, main_window_factory)
    before = window.editor.document.project
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    seen: list[str] = []
    answer_next_message_box(QMessageBox.StandardButton.Ok, seen)
    window.editor.files.open_path(broken, ask=False)
    qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT)
    assert "broken.keras" in seen[0] and "not a Keras model file" in seen[0] and "Traceback" not in seen[0]
    assert window.editor.document.project is before


def test_new_from_a_known_network_builds_it_with_random_weights(qtbot, main_window_factory):
    from gui.dialogs.applications import ApplicationDialog

    window = shown_window(qtbot, main_window_factory)

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ApplicationDialog):
            QTimer.singleShot(50, fill_in)
            return
        assert dialog.choice().name == "MobileNetV2" and dialog.size.value() == 224
        dialog.select("NASNetMobile")
        dialog.select("MobileNetV2")
        dialog.weights.setCurrentIndex(dialog.weights.findData(None))
        dialog.size.setValue(64)
        dialog.classes.setValue(4)
        assert "random" in dialog.head_note.text()
        dialog.weights.setCurrentIndex(dialog.weights.findData("imagenet"))
        assert "new classifier of 4 classes" in dialog.head_note.text()  # ImageNet features, a head for 4
        dialog.weights.setCurrentIndex(dialog.weights.findData(None))
        dialog.create_button.click()

    QTimer.singleShot(50, fill_in)
    with qtbot.waitSignal(window.editor.files.model_imported, timeout=TIMEOUT):
        window.editor.actions["file.new_application"].trigger()
    spec = window.editor.document.spec
    assert spec.nodes["pixels"].params["shape"] == [64, 64, 3]
    assert spec.nodes["predictions"].params["units"] == 4
    assert spec.nodes["imagenet_preprocessing"].params["trainable"] is False
    assert window.editor.training.trained_model is not None
    window.editor.document.undo_stack.setClean()
    window.editor.document.unsaved_models.clear()


def test_freeze_up_to_a_layer_then_train_from_the_imported_weights(qtbot, main_window_factory, tmp_path):
    from gui.editor.canvas_menu import canvas_menu

    model, window = window_with_a_dropped_model(qtbot, main_window_factory, tmp_path)
    editor = window.editor
    menu = canvas_menu(editor.canvas, "pool")
    next(a for a in menu.actions() if a.text() == "Freeze Up to Here").trigger()
    spec = editor.document.spec
    assert spec.nodes["conv"].params["trainable"] is False and spec.nodes["classes"].params.get("trainable", True)
    assert editor.document.undo_stack.undoText() == "Freeze up to pool"
    assert editor.document.report.nodes["conv"].trainable == 0
    editor.document.edit("Classes for Shapes", lambda spec: spec.set_params("classes", units=5))  # its 5 shapes
    editor.document.set_training({"epochs": 1, "batch_size": 8, "steps_per_epoch": 2})
    with qtbot.waitSignal(editor.training.finished, timeout=TIMEOUT):
        editor.training.start()
    log = editor.training.log.toPlainText()
    assert "Starting from the pretrained weights of 1 of 2 layers with weights; starting afresh: classes" in log
    trained = editor.training.trained_model
    np.testing.assert_array_equal(trained.get_layer("conv").get_weights()[0], model.get_layer("conv").get_weights()[0])
    for _ in range(3):  # the training settings, the classes, the freeze: each one step
        editor.document.undo_stack.undo()
    assert editor.document.spec.nodes["conv"].params.get("trainable", True) is True
    editor.document.undo_stack.setClean()
    editor.document.unsaved_models.clear()
