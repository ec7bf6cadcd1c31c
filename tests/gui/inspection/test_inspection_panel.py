"""The Inspection panel through real widgets: images in (drop, paste, photos, dataset samples), feature maps,
layer choice from the panel and the canvas, bad inputs, live refresh while training, attention patches,
decision boundaries, export."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

from gui.document import ProjectDocument
from gui.inspection.layer_strip import LAYER_ROLE, layer_picture
from gui.inspection.panel import InspectionPanel
from gui.widgets.images import colorize
from models.building.builder import build
from models.templates import load_template

TIMEOUT = 60_000


@pytest.fixture
def make_panel(qtbot):
    panels = []

    def make(template: str) -> InspectionPanel:
        panel = InspectionPanel(ProjectDocument(load_template(template)))
        qtbot.addWidget(panel)
        panel.resize(1100, 520)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


def wait_update(qtbot, panel, action):
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        action()


def photo_file(tmp_path, name="photo.png", size=(64, 48), color=(200, 40, 40)) -> str:
    path = tmp_path / name
    image = Image.new("RGB", size, color)
    image.paste((20, 20, 220), (10, 10, 30, 30))
    image.save(path)
    return str(path)


def drop_files(widget, paths: list[str]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_dropping_an_image_shows_the_channel_grid_of_the_first_layer(qtbot, make_panel, tmp_path):
    panel = make_panel("lenet")
    wait_update(qtbot, panel, lambda: drop_files(panel, [photo_file(tmp_path)]))
    assert panel.input.name == "photo.png" and panel.input.sample.shape == (28, 28, 1)
    assert "grayscale" in panel.preview.notes.text()  # the RGB photo was converted for the one-channel model
    tab = panel.feature_maps
    assert tab.current_layer() == "conv2d_1"
    assert tab.grid.tile_count() == 6 and tab.views.currentWidget() is tab.splitter
    assert "untrained" in panel.model_label.text()
    assert not panel.preview.input_view.current_image().isNull()


def test_choosing_layers_and_channels(qtbot, make_panel):
    panel = make_panel("lenet")
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    tab = panel.feature_maps
    with qtbot.waitSignal(panel.layer_selected) as chosen:
        assert tab.select_layer("conv2d_2")
    assert chosen.args == ["conv2d_2"]
    assert tab.grid.tile_count() == 16 and "conv2d_2" in tab.shape_label.text()
    tab.sort_check.setChecked(True)
    means = panel.data.outputs["conv2d_2"].mean(axis=(0, 1))
    assert tab.order[0] == int(np.argmax(means))  # strongest channel first
    qtbot.mouseClick(tab.grid, Qt.MouseButton.LeftButton, pos=tab.grid.tile_rect(3).center())
    assert tab.channel == int(tab.order[3]) and f"channel {tab.channel}" in tab.detail.plot.titleLabel.text
    tab.select_layer("dense_1")
    assert tab.views.currentWidget() is tab.bars


def test_bad_inputs_say_why_and_keep_the_previous_image(qtbot, make_panel, tmp_path):
    panel = make_panel("lenet")
    wait_update(qtbot, panel, lambda: panel.load_file(photo_file(tmp_path)))
    good = panel.input
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not an image")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(open(photo_file(tmp_path, "full.png", (200, 200)), "rb").read()[:300])
    messages = []
    panel.message.connect(messages.append)
    for name, reason in (("empty.png", "empty"), ("notes.png", "not an image"), ("cut.png", "truncated"),
                         ("missing.png", "no file")):
        wait_update(qtbot, panel, lambda name=name: panel.load_file(tmp_path / name))
        assert reason in messages[-1] and "previous image stays" in messages[-1]
        assert panel.input is good


def test_paste_an_image_from_the_clipboard(qtbot, make_panel):
    panel = make_panel("vgg")
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.green)
    QGuiApplication.clipboard().setImage(image)
    wait_update(qtbot, panel, panel.paste)
    assert panel.input.name == "pasted image" and panel.input.sample.shape == (32, 32, 3)
    assert panel.input.sample[..., 1].mean() > 0.9 and panel.input.sample[..., 0].mean() < 0.1
    QGuiApplication.clipboard().clear()


def test_attention_of_a_clicked_patch_and_rollout(qtbot, make_panel):
    panel = make_panel("vit")
    wait_update(qtbot, panel, lambda: panel.load_photo("astronaut"))
    attention = panel.tab_views["Attention"]
    panel.tabs.setCurrentWidget(attention)
    assert attention.stack.currentWidget() is attention.content
    assert attention.layer_combo.count() == 3  # two layers and the rollout
    assert attention.matrix.isVisible() and attention.right.isVisible()
    corner = attention.overlay.image_rect().topLeft() + QPoint(2, 2)
    qtbot.mouseClick(attention.overlay, Qt.MouseButton.LeftButton, pos=corner)
    assert attention.patch_token == 0 and "Patch 1 of 64" in attention.patch_hint.text()
    attention.layer_combo.setCurrentIndex(2)
    np.testing.assert_allclose(attention.current_matrix().sum(axis=1), 1.0, atol=1e-5)
    attention.head_combo.setCurrentIndex(attention.head_combo.findData(-2))
    assert attention.views.currentWidget() in (attention.matrix, attention.heads)


def test_views_that_do_not_apply_explain_themselves(qtbot, make_panel):
    panel = make_panel("lenet")
    wait_update(qtbot, panel, lambda: panel.load_photo("coins"))
    for title, words in (("Attention", "MultiHeadAttention"), ("Decision boundary", "2-D point")):
        panel.tabs.setCurrentWidget(panel.tab_views[title])
        tab = panel.tab_views[title]
        assert tab.stack.currentWidget() is tab.message and words in tab.message.text()
    panel.tabs.setCurrentWidget(panel.tab_views["Filters"])
    filters = panel.tab_views["Filters"]
    assert filters.grid.tile_count() == 6 and "blue negative" in filters.note.text()  # 6 filters x 1 input


def test_export_view_png_and_activations(qtbot, make_panel, tmp_path):
    panel = make_panel("lenet")
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    panel.export_png(tmp_path / "maps.png")
    with Image.open(tmp_path / "maps.png") as image:
        assert image.size[0] > 100 and image.size[1] > 100
    written = panel.export_arrays(tmp_path / "maps.npy")
    np.testing.assert_array_equal(np.load(written), panel.data.outputs["conv2d_1"])
    panel.tabs.setCurrentWidget(panel.tab_views["Overview"])
    with np.load(panel.export_arrays(tmp_path / "all.npz")) as archive:
        assert "dense_3" in archive.files


# ----- inside the main window ----------------------------------------------------------------------------------------
def load_data(qtbot, window):
    data = window.editor.data_panel
    with qtbot.waitSignal(data.dataset_loaded, timeout=TIMEOUT):
        data.load()


def test_clicking_a_layer_on_the_canvas_shows_its_maps(qtbot, main_window_factory):
    window = main_window_factory()
    window.editor.document.replace(load_template("lenet"), None)
    panel = window.editor.inspection
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    window.editor.canvas.select(["average_pooling2d_1"])
    assert panel.feature_maps.current_layer() == "average_pooling2d_1"
    assert panel.current_tab() is panel.feature_maps


def test_decision_boundary_of_toy_data_and_a_dataset_sample(qtbot, main_window_factory):
    window = main_window_factory()
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    window.editor.document.replace(project, None)
    load_data(qtbot, window)
    panel = window.editor.inspection
    messages = []
    panel.message.connect(messages.append)
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    assert "not an image" in messages[-1] and panel.input is None
    wait_update(qtbot, panel, lambda: panel.load_dataset_sample(5))
    assert panel.input.sample.shape == (2,) and "train sample 5" in panel.input.name
    wait_update(qtbot, panel, lambda: panel.load_dataset_sample(3, "validation"))  # data it never trained on
    assert "validation sample 3" in panel.input.name
    panel.split_combo.setCurrentIndex(panel.split_combo.findData("validation"))
    panel.sample_spin.setValue(2)
    wait_update(qtbot, panel, panel.sample_button.click)
    assert "validation sample 2" in panel.input.name
    wait_update(qtbot, panel, lambda: panel.load_dataset_sample(5))
    x, y = panel.input.sample
    assert f"({x:.3g}, {y:.3g})" in panel.preview.input_caption.text() and not panel.preview.input_view.isVisible()
    boundary_tab = panel.tab_views["Decision boundary"]
    panel.tabs.setCurrentWidget(boundary_tab)
    assert boundary_tab.stack.currentWidget() is boundary_tab.content
    assert boundary_tab.plot.point_count() == window.editor.data_panel.dataset.train.count == 160
    assert panel.data.boundary.probabilities.shape[:2] == (96, 96)
    panel.tabs.setCurrentWidget(panel.tab_views["Filters"])
    assert "convolution" in panel.tab_views["Filters"].message.text()
    features = panel.tab_views["Features"]
    panel.tabs.setCurrentWidget(features)
    assert features.stack.currentWidget() is features.message and "images" in features.message.text()


def lenet_window_with_a_pinned_photo(qtbot, main_window_factory, epochs: int):
    """A shown window with LeNet on a little Shapes data, the cat photo pinned in the front Inspection tab, and
    live maps every 10 steps; (window, inspection panel, training panel)."""
    from gui.widgets.visibility import on_screen

    window = main_window_factory()
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"size": 28, "count_per_class": 40}}
    project.training = {"epochs": epochs, "batch_size": 16}
    window.editor.document.replace(project, None)
    panel, training = window.editor.inspection, window.editor.training
    refresh = panel.live_controls.refresh_combo
    assert refresh.currentText() == "every 1 s"  # the default: cheap enough to train at full speed
    refresh.setCurrentIndex(refresh.findText("every 10 steps"))
    window.show()
    window.docks["inspection"].raise_()
    qtbot.waitUntil(lambda: on_screen(panel))
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    return window, panel, training


def test_feature_maps_refresh_live_while_training_and_epochs_replay(qtbot, main_window_factory):
    _window, panel, training = lenet_window_with_a_pinned_photo(qtbot, main_window_factory, epochs=3)
    untrained = panel.data.outputs["conv2d_1"].copy()
    sources, periodic = [], []
    panel.updated.connect(lambda: sources.append(panel.data.source))
    panel.live_controls.snapshot_arrived.connect(
        lambda snapshot: periodic.append(snapshot.step) if not snapshot.epoch_end else None)
    with qtbot.waitSignal(training.finished, timeout=120_000) as finished:
        training.start()
    assert finished.args[0].ok
    live = [s for s in sources if s.startswith("live")]
    assert len(live) >= 3 and len(periodic) >= 3  # 3 epochs x 10 steps of 16 samples: during the run, too
    # before training (the initial weights), then each epoch's end
    assert len(panel.live_controls.snapshots) == 4 and panel.live_controls.epoch_slider.maximum() == 4
    assert panel.live_controls.epoch_label.text() == "Latest (3 epochs and the start recorded)"
    panel.live_controls.epoch_slider.setValue(0)
    assert panel.data.source == "before training (initial weights)"
    assert "Before training (initial weights) (step 0)" in panel.live_controls.epoch_label.text()
    assert panel.model_label.text() == "Showing the model before training (initial weights)"
    initial = panel.data.outputs["conv2d_1"].astype(np.float32)
    panel.live_controls.epoch_slider.setValue(1)
    assert panel.data.source == "after epoch 1" and "After epoch 1" in panel.live_controls.epoch_label.text()
    first_epoch = panel.data.outputs["conv2d_1"].astype(np.float32)
    assert not np.allclose(initial, first_epoch, atol=1e-4)
    panel.live_controls.epoch_slider.setValue(3)
    assert not np.allclose(first_epoch, panel.data.outputs["conv2d_1"].astype(np.float32), atol=1e-3)
    panel.live_controls.epoch_slider.setValue(4)  # back to the latest: the model as it is now
    qtbot.waitUntil(lambda: "trained model" in panel.model_label.text(), timeout=TIMEOUT)
    assert not np.allclose(untrained, panel.data.outputs["conv2d_1"], atol=1e-4)


def test_a_new_input_pinned_after_a_run_replays_every_kept_epoch_from_its_weights(qtbot, main_window_factory,
                                                                                 tmp_path):
    from models.inspection.probe import Probe

    _window, panel, training = lenet_window_with_a_pinned_photo(qtbot, main_window_factory, epochs=2)
    with qtbot.waitSignal(training.finished, timeout=120_000) as finished:
        training.start()
    assert finished.args[0].ok
    controls = panel.live_controls
    assert len(controls.snapshots) == 3 and all(s.weights is not None for s in controls.snapshots)
    qtbot.waitUntil(lambda: "trained model" in panel.model_label.text(), timeout=TIMEOUT)
    wait_update(qtbot, panel, lambda: panel.load_file(photo_file(tmp_path)))  # another image
    assert len(controls.snapshots) == 3 and controls.epoch_slider.isEnabled()  # the epochs are kept
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        controls.epoch_slider.setValue(1)  # epoch 1, recorded for the cat: computed again for the new image
    assert panel.data.source == "model after epoch 1" and panel.data.input is panel.input
    assert "after epoch 1" in panel.model_label.text()
    replica = build(panel.run_spec).model
    replica.set_weights(controls.snapshots[1].weights)
    expected = Probe(replica)(panel.input.sample)["conv2d_1"]
    np.testing.assert_allclose(panel.data.outputs["conv2d_1"], expected, atol=1e-5)
    trained = Probe(panel.trained_model)(panel.input.sample)["conv2d_1"]
    assert not np.allclose(expected, trained, atol=1e-4)  # epoch 1 is not the end of the run
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        controls.epoch_slider.setValue(0)  # before training: the initial weights, for the new image too
    assert panel.data.source == "model before training (initial weights)"
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        controls.epoch_slider.setValue(3)  # the latest again
    assert "trained model" in panel.model_label.text()
    np.testing.assert_allclose(panel.data.outputs["conv2d_1"], trained, atol=1e-5)


def test_a_run_without_a_pinned_input_keeps_its_epochs_for_one_pinned_later(qtbot, main_window_factory):
    window = main_window_factory()
    project = load_template("lenet")
    project.dataset = {"source": "shapes", "options": {"size": 28, "count_per_class": 40}}
    project.training = {"epochs": 2, "batch_size": 16}
    window.editor.document.replace(project, None)
    panel, training = window.editor.inspection, window.editor.training
    with qtbot.waitSignal(training.finished, timeout=120_000) as finished:
        training.start()
    assert finished.args[0].ok
    controls = panel.live_controls
    assert [s.epoch for s in controls.snapshots] == [-1, 0, 1] and not controls.snapshots[0].outputs
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        controls.epoch_slider.setValue(1)
    assert panel.data.source == "model after epoch 1" and "conv2d_1" in panel.data.outputs


def test_a_hidden_panel_keeps_epoch_snapshots_without_live_probes_and_catches_up_when_shown(qtbot,
                                                                                          main_window_factory):
    """Behind the Training tab nobody sees the maps: the training thread skips the periodic probes."""
    from gui.widgets.visibility import on_screen

    window, panel, training = lenet_window_with_a_pinned_photo(qtbot, main_window_factory, epochs=2)
    window.docks["training"].raise_()
    qtbot.waitUntil(lambda: not on_screen(panel))  # tabbed away: Qt moves it off-screen, isVisible() stays True
    received = []
    panel.live_controls.snapshot_arrived.connect(lambda snapshot: received.append((snapshot.epoch, snapshot.epoch_end)))
    with qtbot.waitSignal(training.finished, timeout=120_000) as finished:
        training.start()
    assert finished.args[0].ok
    assert received == [(-1, True), (0, True), (1, True)]  # the replay slider's snapshots, nothing else
    assert len(panel.live_controls.snapshots) == 3
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        window.docks["inspection"].raise_()  # shown again: the kept snapshots are drawn
    assert panel.live_controls.epoch_slider.maximum() == 3


def test_rollout_is_offered_only_for_self_attention_of_one_size(qtbot):
    from gui.inspection.tabs import AttentionTab
    from models.inspection.inputs import LoadedInput
    from models.inspection.snapshot import ViewData

    tab = AttentionTab()
    qtbot.addWidget(tab)
    scores = {"self/scores": np.full((2, 4, 4), 0.25, np.float32),
              "cross/scores": np.full((2, 4, 6), 1 / 6, np.float32),
              "self": np.zeros((4, 8), np.float32), "cross": np.zeros((4, 8), np.float32)}
    sample = np.zeros(4, np.int32)
    data = ViewData(LoadedInput(sample, sample, "tokens"), scores, {"self": "MultiHeadAttention",
                                                                   "cross": "MultiHeadAttention"},
                    attention_ids=["self", "cross"])
    tab.show_data(data)
    assert tab.stack.currentWidget() is tab.content
    assert [tab.layer_combo.itemData(i) for i in range(tab.layer_combo.count())] == ["self", "cross"]
    tab.layer_combo.setCurrentIndex(1)
    assert tab.matrix.values.shape == (4, 6)


def test_edit_paste_goes_to_the_inspection_panel_when_it_has_the_focus(qtbot, main_window_factory):
    window = main_window_factory()
    window.show()
    qtbot.waitActive(window)
    window.editor.document.replace(load_template("lenet"), None)
    panel = window.editor.inspection
    window.docks["inspection"].raise_()
    panel.open_button.setFocus()
    qtbot.waitUntil(panel.owns_focus, timeout=5000)
    image = QImage(20, 20, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    QGuiApplication.clipboard().setImage(image)
    wait_update(qtbot, panel, window.actions_by_key["edit.paste"].trigger)
    assert panel.input.name == "pasted image" and panel.input.sample.max() == pytest.approx(1.0)
    QGuiApplication.clipboard().clear()


def test_a_regression_output_is_shown_as_values_not_made_up_classes(qtbot):
    from gui.inspection.tabs import PredictionsTab
    from models.inspection.inputs import LoadedInput
    from models.inspection.snapshot import ViewData

    tab = PredictionsTab()
    qtbot.addWidget(tab)
    sample = np.zeros(3, np.float32)
    data = ViewData(LoadedInput(sample, sample, "row"), {"out": np.array([2.5], np.float32)}, {"out": "Dense"},
                    task="regression")
    tab.show_data(data)
    assert tab.stack.currentWidget() is tab.message and "predicts 2.5" in tab.message.text()
    tab.show_data(ViewData(data.input, data.outputs, data.layer_types, task="classification"))
    assert tab.stack.currentWidget() is tab.content and len(tab.bars.rows()) == 2  # one sigmoid unit: 2 classes


def test_an_image_pinned_while_training_is_paused_shows_at_once(qtbot, main_window_factory):
    """Pausing to look at another image must not wait for Resume: the paused model's maps come at once."""
    _window, panel, training = lenet_window_with_a_pinned_photo(qtbot, main_window_factory, epochs=3)
    panel.live_controls.refresh_combo.setCurrentIndex(panel.live_controls.refresh_combo.findText("at epoch ends only"))
    training.start()
    training.toggle_pause()
    qtbot.waitUntil(lambda: "Paused at step" in training.log.toPlainText(), timeout=120_000)
    paused_step = training.worker.progress.step
    received = []
    panel.live_controls.snapshot_arrived.connect(lambda snapshot: received.append(snapshot))
    panel.load_photo("coffee")
    qtbot.waitUntil(lambda: any(not s.epoch_end for s in received), timeout=TIMEOUT)
    live = [s for s in received if not s.epoch_end]
    assert live[0].step == paused_step and training.worker.is_paused()  # computed in the pause
    with qtbot.waitSignal(training.finished, timeout=120_000):
        training.toggle_pause()


@pytest.mark.parametrize(("inputs", "columns"), [(1, 6), (4, 12), (16, 16)])
def test_filters_of_any_channel_count_are_a_readable_grid(qtbot, inputs, columns):
    """A grayscale first layer's 32 filters form a 6x6 grid of tiles at least 24 px wide with a gap between
    them (not one 12 px column); with several input channels each filter is a run of tiles, a few per row, and
    a large layer scrolls rather than shrinking its tiles."""
    from gui.inspection.tabs import FiltersTab
    from models.inspection.inputs import LoadedInput
    from models.inspection.snapshot import ViewData

    tab = FiltersTab()
    qtbot.addWidget(tab)
    tab.resize(640, 480)
    tab.show()
    qtbot.waitExposed(tab)
    kernel = np.random.default_rng(0).normal(size=(3, 3, inputs, 32)).astype(np.float32)
    sample = np.zeros((28, 28, inputs), np.float32)
    tab.show_data(ViewData(LoadedInput(sample, sample, "x"), {"conv": np.zeros((26, 26, 32), np.float32)},
                           {"conv": "Conv2D"}, kernels={"conv": kernel}))
    assert tab.stack.currentWidget() is tab.content
    grid = tab.grid
    assert grid.tile_count() == 32 * inputs and grid._columns == columns
    first, second = grid.tile_rect(0), grid.tile_rect(1)
    assert first.width() >= 24 and second.left() > first.right() + 1  # a visible gap


def test_the_pinned_input_follows_a_new_project_or_is_let_go_with_the_reason(qtbot, main_window_factory):
    """Open another project: the pinned photo is prepared again for its model (28x28x1 -> 32x32x3) and every
    view is of the new model; a model that takes no image lets the photo go and says why."""
    window = main_window_factory()
    panel, document = window.editor.inspection, window.editor.document
    document.replace(load_template("lenet"), None)
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    assert panel.input.sample.shape == (28, 28, 1) and "28x28x1" in panel.preview.input_caption.text()
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        document.replace(load_template("vgg"), None)
    qtbot.waitUntil(lambda: panel.input.sample.shape == (32, 32, 3) and bool(panel.data.outputs), timeout=TIMEOUT)
    assert panel.input.name == "sample photo: cat" and "32x32x3" in panel.preview.input_caption.text()
    assert set(panel.data.layer_types) == {n for n in document.spec.nodes if document.spec.nodes[n].type != "Input"}
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        document.replace(load_template("mlp"), None)
    qtbot.waitUntil(lambda: panel.input is None, timeout=TIMEOUT)
    assert "no longer applies" in panel.preview.notes.text() and "not an image" in panel.preview.notes.text()
    assert not panel.data.outputs


def test_a_backlog_keeps_the_users_new_input_over_preparing_the_old_one_again():
    from gui.inspection.worker import merge_pending
    from models.inspection.engine import InspectionRequest

    def opened():
        return "opened"

    def again():
        return "again"

    def request(serial, load=None, replaces=False):
        return InspectionRequest("key", lambda: None, "m", load=load, replaces_pinned=replaces, serial=serial)

    newest = merge_pending([request(1, load=opened), request(2, load=again, replaces=True)])
    assert newest.serial == 2 and newest.load is opened and not newest.replaces_pinned
    newest = merge_pending([request(1, load=again, replaces=True), request(2)])  # a plain recompute after it
    assert newest.load is again and newest.replaces_pinned  # still prepares again, and may let the input go


def test_a_stale_preparation_of_a_replaced_input_is_ignored(make_panel):
    from models.inspection.engine import InspectionResult
    from models.inspection.inputs import LoadedInput

    panel = make_panel("lenet")
    old = LoadedInput(np.zeros((28, 28, 1)), np.zeros((28, 28, 1), np.float32), "old")
    new = LoadedInput(np.zeros((28, 28, 1)), np.zeros((28, 28, 1), np.float32), "new")
    panel.input = new  # the user opened "new" after "old" was sent to be prepared again
    panel._take_result(InspectionResult(5, loaded=old, reprepared=old, input_void=False))
    panel._take_result(InspectionResult(6, reprepared=old, input_void=True, input_error="not an image"))
    assert panel.input is new


def test_a_live_snapshot_does_not_show_the_grad_cam_of_the_model_before_the_run(make_panel):
    from models.inspection.inputs import LoadedInput
    from models.inspection.live import LiveSnapshot
    from models.inspection.snapshot import ViewData

    panel = make_panel("lenet")
    image = np.zeros((28, 28, 1), np.float32)
    panel.input = LoadedInput(image, image, "x")
    panel.data = ViewData(panel.input, cam=np.ones((28, 28), np.float32), cam_layer="conv2d_1", predicted_class=3,
                          saliency=np.ones((28, 28), np.float32))
    panel._show_snapshot(LiveSnapshot(10, 0, {"dense_3": np.full(10, 0.1, np.float32)}, layer_types={
        "dense_3": "Dense"}), "live, step 10")
    assert panel.data.cam is None and panel.data.saliency is None and panel.data.predicted_class is None
    assert panel.data.cam_layer == "conv2d_1"  # the choice stays for when the run ends


def test_the_layer_strip_shows_every_layer_by_its_picture_and_picks_it(qtbot, make_panel):
    panel = make_panel("lenet")
    panel.resize(1100, 640)  # tall, as in the Inspect workspace
    wait_update(qtbot, panel, lambda: panel.load_photo("cat"))
    strip = panel.layer_strip
    assert strip.isVisible()
    ids = [strip.item(row).data(LAYER_ROLE) for row in range(strip.count())]
    assert ids == panel.data.layer_ids() and "conv2d_2" in ids
    conv = strip.item(ids.index("conv2d_2"))
    assert not conv.icon().isNull() and "conv2d_2" in conv.text()
    # the picture is the layer's most active channel, not a decoration
    maps = panel.data.activation("conv2d_2").channel_stack()
    picture = layer_picture(panel.data.activation("conv2d_2"))
    assert picture.shape[:2] == maps.shape[1:]
    strongest = maps[int(np.argmax(maps.reshape(len(maps), -1).mean(axis=1)))]
    bright = np.unravel_index(np.argmax(strongest), strongest.shape)
    assert tuple(picture[bright]) == tuple(colorize(np.array(1.0), "viridis"))
    with qtbot.waitSignal(panel.layer_selected) as chosen:
        qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualItemRect(conv).center())
    assert chosen.args == ["conv2d_2"] and panel.feature_maps.current_layer() == "conv2d_2"
    assert panel.current_tab() is panel.feature_maps
    panel.feature_maps.select_layer("dense_1")  # chosen elsewhere: the strip follows
    assert strip.current_layer() == "dense_1"
    panel.resize(1100, 300)  # a short dock: the strip gives the maps the room
    qtbot.waitUntil(lambda: not strip.isVisible())


def test_the_filters_tab_scores_each_kernel_as_an_edge_detector_beside_random_kernels(qtbot):
    """Sobel kernels score 1 and say their orientation on hover; the note gives the layer's median beside the
    median of random kernels of the same size."""
    from gui.inspection.tabs import FiltersTab
    from models.inspection.edges import random_median
    from models.inspection.inputs import LoadedInput
    from models.inspection.snapshot import ViewData

    tab = FiltersTab()
    qtbot.addWidget(tab)
    tab.resize(640, 480)
    tab.show()
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
    kernel = np.stack([sobel, sobel.T[::-1], np.ones((3, 3), np.float32)], axis=-1)[:, :, None, :]
    sample = np.zeros((28, 28, 1), np.float32)
    tab.show_data(ViewData(LoadedInput(sample, sample, "x"), {"conv": np.zeros((26, 26, 3), np.float32)},
                           {"conv": "Conv2D"}, kernels={"conv": kernel}))
    np.testing.assert_allclose(tab.edges.scores, [1.0, 1.0, 0.0], atol=1e-9)
    assert list(tab.edges.angles[:2]) == [0.0, 90.0]
    assert tab.grid._titles[1] == "filter 1 · edge score 1.00 · prefers 90°"
    assert f"median 1.00 here, {random_median(3, 3, 1):.2f} for random kernels of this size" in tab.note.text()
