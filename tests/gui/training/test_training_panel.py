"""Training from the window: the worker thread, live curves, pause / resume / stop, runs, closing mid-run."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from gui.document import ProjectDocument
from gui.session import Session
from gui.training.panel import TrainingPanel
from gui.widgets.colors import ERROR
from models.graph.project import Project
from models.templates import load_template
from tests.qt_helpers import answer_message_boxes, answer_next_message_box


def tiny_project(epochs: int = 2, samples: int = 400):
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": samples}}
    project.training = {"epochs": epochs, "batch_size": 16}
    return project


@pytest.fixture
def panel(qtbot):
    document = ProjectDocument(tiny_project())
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    yield panel
    panel.stop_and_wait()


def test_a_tiny_model_trains_through_the_worker_with_live_curves(qtbot, panel):
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        assert panel.state == "training" and not panel.start_button.isEnabled()
    result = blocker.args[0]
    assert result.ok and result.epochs_done == 2
    assert panel.plots.raw.size == result.steps  # every batch reached the curve, via the buffer
    assert len(panel.plots.epochs["val_loss"]) == 2
    assert panel.state == "idle" and panel.start_button.isEnabled()
    runs = panel.document.project.runs
    assert len(runs) == 1 and runs[0]["status"] == "completed" and panel.runs.table.model().rowCount() == 1
    assert panel.runs.evaluation.rowCount() == 2  # the confusion matrix of the two classes
    assert "Finished after 2 epoch(s)" in panel.progress_label.text()
    assert panel.trained_model is not None


def test_stop_mid_epoch(qtbot, panel):
    panel.document.project.training = {"epochs": 50, "batch_size": 8}
    panel.start()
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step >= 3, timeout=60_000)
    with qtbot.waitSignal(panel.finished, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.stopped == "stopped" and result.epochs_done < 50
    assert panel.document.project.runs[-1]["status"] == "stopped"


def test_pause_resume_keeps_the_step_count_and_a_new_rate_applies(qtbot, panel):
    panel.document.project.training = {"epochs": 20, "batch_size": 8, "learning_rate": 0.001}
    panel.start()
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step >= 2, timeout=60_000)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert panel.state == "paused" and panel.pause_button.text() == "Resume" and panel.rate_button.isEnabled()
    qtbot.waitUntil(lambda: "Paused at step" in panel.log.toPlainText(), timeout=30_000)
    paused_step = panel.worker.progress.step
    started = panel.worker.progress.started
    qtbot.wait(300)
    assert panel.worker.progress.step == paused_step  # nothing runs while paused
    panel.rate_spin.setValue(0.02)
    qtbot.mouseClick(panel.rate_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.worker.progress.step >= paused_step + 3, timeout=30_000)
    assert panel.worker.progress.started >= started + 0.25  # samples/s and the ETA leave the pause out
    panel.refresh()
    steps, _ = panel.plots.raw.view()
    assert list(steps[: paused_step + 3]) == list(range(1, paused_step + 4))  # the count went on, no restart
    assert panel.plots.rate.y[paused_step] == pytest.approx(0.02)
    with qtbot.waitSignal(panel.finished, timeout=60_000):
        panel.stop()


def test_an_invalid_model_is_refused_with_its_reason(qtbot, panel):
    panel.document.edit("break", lambda spec: spec.set_params("dense_1", units=0))
    panel.start()
    assert panel.worker is None and panel.state == "idle"
    assert "cannot be trained" in panel.progress_label.text()


def test_settings_edits_are_stored_in_the_project_and_undoable(qtbot, panel):
    spin = panel.editors["epochs"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "7")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert panel.document.project.training["epochs"] == 7
    panel.document.undo_stack.undo()
    assert panel.document.project.training["epochs"] == 2
    assert panel.editors["epochs"].value() == 2


def test_closing_the_window_during_training_asks_stops_and_joins(qtbot, tmp_path, main_window_factory):
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.editor.document.replace(tiny_project(epochs=200), None)
    window.editor.document.undo_stack.setClean()
    window.show()
    window.actions_by_key["train.start"].trigger()
    training = window.editor.training
    qtbot.waitUntil(lambda: training.worker is not None and training.worker.progress.step >= 2, timeout=60_000)
    worker = training.worker

    answer_next_message_box(QMessageBox.StandardButton.No, [])
    assert not window.close() and worker.isRunning()  # "No": keep training
    questions: list[str] = []
    answer_message_boxes([QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel], questions)
    closed = window.close()  # "Yes" to stopping, then "Cancel" at the save question: the window stays
    assert len(questions) == 2 and "Stop training and close" in questions[0], questions
    assert "Save the changes" in questions[1] and not closed
    assert not shiboken6.isValid(worker) or worker.isFinished()  # stopped within a batch, joined, then deleted
    runs = window.editor.document.project.runs
    assert len(runs) == 1 and runs[0]["status"] == "stopped" and runs[0]["steps"] >= 2  # the run so far is kept
    assert window.editor.training.runs.table.model().rowCount() == 1 and not window.editor.training.is_training()


def test_closing_mid_training_and_saving_writes_the_run_and_its_model(qtbot, tmp_path, main_window_factory):
    """Yes to stopping, Save at the next question: the file on disk holds the run, its model is beside it."""
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    path = tmp_path / "p.strata.json"
    project = tiny_project(epochs=200)
    project.save(path)
    window.open_project(path)
    window.show()
    window.editor.files.autosave()  # nothing to write yet: the project is saved
    window.actions_by_key["train.start"].trigger()
    training = window.editor.training
    qtbot.waitUntil(lambda: training.worker is not None and training.worker.progress.step >= 2, timeout=60_000)
    answer_message_boxes([QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Save], [])
    assert window.close()
    saved = Project.load(path)
    assert len(saved.runs) == 1 and saved.runs[0]["status"] == "stopped"
    assert (tmp_path / saved.runs[0]["model_file"]).is_file()


def test_trained_model_is_kept_until_save_written_by_it_reloaded_with_it_and_exported(qtbot, tmp_path,
                                                                                      main_window_factory):
    """Train first, save after (the natural order): the save writes the model; reopening brings it back."""
    import tensorflow as tf

    from models.building.export import export_saved_model, export_tflite, load_keras

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = main_window_factory(settings=settings)
    editor = window.editor
    editor.document.replace(tiny_project(epochs=1), None)  # never saved
    assert not window.actions_by_key["file.export_tflite"].isEnabled()
    with qtbot.waitSignal(editor.training.finished, timeout=120_000):
        editor.training.start()
    run = editor.document.project.runs[-1]
    assert run["model_file"] == "" and "run-1" in editor.document.unsaved_models
    assert editor.document.modified  # closing would ask: the trained model is unsaved work
    assert window.actions_by_key["file.export_tflite"].isEnabled()
    path = tmp_path / "moons.strata.json"
    editor.files._save_to(path)
    run = editor.document.project.runs[-1]
    assert run["model_file"] == "moons-models/run-1.keras" and not editor.document.unsaved_models
    assert (tmp_path / run["model_file"]).exists()
    trained_weights = editor.training.trained_model.get_weights()

    reopened = main_window_factory(settings=settings)
    with qtbot.waitSignal(reopened.editor.training.model_ready, timeout=60_000,
                          check_params_cb=lambda ready: ready):
        assert reopened.open_project(path)
    model = reopened.editor.training.trained_model
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), trained_weights, strict=True))
    qtbot.waitUntil(lambda: reopened.editor.inspection.trained_model is model, timeout=30_000)  # Inspection uses it
    assert load_keras(tmp_path / run["model_file"]).count_params() == model.count_params()
    assert (export_saved_model(model, tmp_path / "served") / "saved_model.pb").exists()
    tflite = export_tflite(model, tmp_path / "moons.tflite")
    interpreter = tf.lite.Interpreter(model_path=str(tflite))
    interpreter.allocate_tensors()
    assert list(interpreter.get_input_details()[0]["shape"]) == [1, 2]

    copy = tmp_path / "elsewhere" / "copy.strata.json"  # Save As carries the written models along
    copy.parent.mkdir()
    reopened.editor.files._save_to(copy)
    assert reopened.editor.document.project.runs[-1]["model_file"] == "copy-models/run-1.keras"
    assert (copy.parent / "copy-models" / "run-1.keras").exists()


def test_continue_training_keeps_the_optimizer_state_as_a_new_run(qtbot, panel):
    with qtbot.waitSignal(panel.finished, timeout=120_000) as first:
        panel.start()
    model = panel.trained_model
    steps_before = int(model.optimizer.iterations.numpy())
    assert steps_before == first.args[0].steps and panel.can_continue()
    weights = model.get_weights()
    with qtbot.waitSignal(panel.finished, timeout=120_000) as second:
        panel.continue_training()
    continued = panel.trained_model
    assert second.args[0].ok and continued is not model  # trained on a copy ...
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights, strict=True))  # ... run 1 kept
    assert int(continued.optimizer.iterations.numpy()) == steps_before + second.args[0].steps  # not a fresh one
    assert set(panel.document.unsaved_models) == {"run-1", "run-2"}
    assert "Continuing with the model's Adam optimizer" in panel.log.toPlainText()
    assert panel.document.project.runs[-1].get("continued") is True and len(panel.document.project.runs) == 2
    panel.document.edit("other model", lambda spec: spec.set_params("dense_1", units=7))
    assert not panel.can_continue()  # another architecture: nothing to continue


def test_curves_export_png_and_csv_and_switch_to_log_scale(qtbot, panel, tmp_path):
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        panel.start()
    steps = blocker.args[0].steps
    panel.plots.log_scale.setChecked(True)
    assert panel.plots.step_plot.getAxis("left").logMode
    png, table = tmp_path / "curves.png", tmp_path / "curves.csv"
    panel.plots.export_png(png)
    panel.plots.export_csv(table)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = table.read_text().splitlines()
    assert lines[0] == "step,loss,smoothed_loss,learning_rate" and len(lines) == 1 + steps + 2 + 2
    assert lines[steps + 2].startswith("epoch,")


def test_a_finished_run_is_unsaved_work(qtbot, panel):
    panel.document.undo_stack.setClean()
    with qtbot.waitSignal(panel.finished, timeout=120_000):
        panel.start()
    assert panel.document.modified  # the window shows '*', autosave keeps the run


def test_opening_another_project_during_training_stops_the_run_without_mixing_it_in(qtbot, panel):
    panel.document.project.training = {"epochs": 200, "batch_size": 8}
    panel.start()
    qtbot.waitUntil(lambda: panel.worker is not None and panel.worker.progress.step >= 2, timeout=60_000)
    other = load_template("lenet")
    panel.document.replace(other, None)
    qtbot.wait(200)
    assert panel.state == "idle" and panel.start_button.isEnabled() and panel.worker is None
    assert panel.document.project.runs == [] and panel.trained_model is None


def test_a_failing_slot_reports_instead_of_raising(qtbot, panel):
    panel.plots.export_csv = None  # a broken export: calling it raises TypeError inside a guarded slot
    from pathlib import Path as _Path

    from gui.training import panel as training_panel

    original = training_panel.QFileDialog.getSaveFileName
    training_panel.QFileDialog.getSaveFileName = staticmethod(lambda *args, **kwargs: (str(_Path("/tmp/x.csv")), ""))
    try:
        panel._export("csv")
    finally:
        training_panel.QFileDialog.getSaveFileName = original
    assert "Could not apply that" in panel.log.toPlainText()


def test_the_step_curves_stay_in_view_and_hand_over_to_the_user_when_panned(qtbot, panel):
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        panel.start()
    plots = panel.plots
    assert len(plots.rate_curve.xData) == len(plots.raw_curve.xData) == blocker.args[0].steps  # all drawn at the end
    (x_low, x_high), (y_low, y_high) = plots.step_plot.vb.viewRange()
    steps, losses = plots.raw.view()
    assert x_low <= 1 and x_high >= blocker.args[0].steps
    assert y_low <= losses.min() and y_high >= losses.max()
    plots.step_plot.vb.sigRangeChangedManually.emit([True, True])  # what a drag or wheel zoom sends
    assert not plots.follow


def test_a_flat_learning_rate_is_redrawn_once_a_second_and_a_change_at_once(qtbot):
    from gui.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.add_batches([(step, 0.0, {"loss": 1.0, "learning_rate": 0.01}) for step in range(1, 6)])
    plots.redraw()
    assert len(plots.rate_curve.xData) == 5
    plots.add_batches([(6, 0.0, {"loss": 1.0, "learning_rate": 0.01})])
    plots.redraw()
    assert len(plots.rate_curve.xData) == 5  # flat: waits for its once-a-second redraw
    assert len(plots.raw_curve.xData) == 6  # the loss is drawn every time
    plots.add_batches([(7, 0.0, {"loss": 1.0, "learning_rate": 0.02})])
    plots.redraw()
    assert len(plots.rate_curve.xData) == 7
    plots.add_batches([(8, 0.0, {"loss": 1.0, "learning_rate": 0.02})])
    plots.redraw()
    assert len(plots.rate_curve.xData) == 7
    plots.flush()  # the run ended: the rate is drawn to its last step, as the loss is
    assert len(plots.rate_curve.xData) == 8


def test_the_axes_span_the_planned_run_and_widen_for_longer_ones(qtbot):
    """The step and epoch axes are laid out once per run instead of as the data grows."""
    from gui.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.clear()
    plots.plan_run(10, steps_per_epoch=50)
    plots.add_batches([(1, 0.0, {"loss": 1.0, "learning_rate": 0.001})])
    plots.add_epoch(0, {"loss": 1.0, "val_loss": 1.2})
    plots.redraw()
    low, high = plots.epoch_plot.vb.viewRange()[0]
    assert low < 1 and 10 < high < 11  # all ten epochs have room before the first has ended
    ticks = [value for _spacing, values in plots.epoch_plot.getAxis("bottom").tickValues(low, high, 600)
             for value in values]
    assert ticks == list(range(1, 11))  # whole epochs, no 1.5 between them
    assert 500 <= plots.step_plot.vb.viewRange()[0][1] < 520  # and all 500 steps
    plots.overlay("run 1", {"loss": [1.0] * 14, "val_loss": [1.1] * 14})  # an earlier, longer run
    assert plots.epoch_plot.vb.viewRange()[0][1] > 14
    for epoch in range(1, 16):  # more epochs than planned (a resumed or extended run)
        plots.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 1.2 / (epoch + 1)})
    plots.redraw()
    assert plots.epoch_plot.vb.viewRange()[0][1] > 16
    plots.overlay("run 2", {"loss": [1.0] * 60})  # 60 epochs: pyqtgraph's own spacing, not 60 ticks
    low, high = plots.epoch_plot.vb.viewRange()[0]
    major_spacing, major_ticks = plots.epoch_plot.getAxis("bottom").tickValues(low, high, 600)[0]
    assert major_spacing > 1 and 60 in major_ticks
    plots.clear()
    assert plots.planned_epochs == 0


def test_a_falling_loss_stays_in_view_with_few_axis_relayouts(qtbot):
    """Following the data moves the step axes in chunks: each move re-lays out an axis on the GUI thread."""
    from gui.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    import numpy as np

    ranges = set()
    for tick in range(100):  # 100 ticks of 10 steps of a loss falling from 2.3 towards 0.1
        steps = range(tick * 10 + 1, tick * 10 + 11)
        plots.add_batches([(step, 0.0, {"loss": 0.1 + 2.2 * np.exp(-step / 150), "learning_rate": 0.001})
                           for step in steps])
        plots.redraw()
        (x_low, x_high), (y_low, y_high) = plots.step_plot.vb.viewRange()
        steps_drawn, losses = plots.raw.view()
        assert x_high >= steps_drawn[-1] and y_low <= losses.min() and y_high >= losses.max()
        ranges.add((round(x_high, 6), round(y_low, 6), round(y_high, 6)))
    assert len(ranges) <= 14  # with a 10% margin and x growing by half, this run moved the axes 20 times


def test_long_runs_are_drawn_as_an_envelope_that_keeps_spikes_while_short_ones_point_for_point(qtbot, tmp_path):
    """A long run: per pixel column a band from the lowest to the highest loss and a line through the means (a
    one-step spike stays visible); a short one: every point as it is."""
    import numpy as np
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QGraphicsItem

    from gui.training.plots import LONG_SERIES, TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 450)
    plots.show()
    plots.add_batches([(step, 0.0, {"loss": 2.0 - step / 1000, "learning_rate": 0.001}) for step in range(1, 301)])
    plots.redraw()
    assert not plots.enveloped and not plots.band.isVisible() and len(plots.raw_curve.xData) == 300
    # the plots only arrange their children: Qt skips asking them for bounds at each repaint, and still draws
    assert plots.step_plot.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    plots.export_png(tmp_path / "curves.png")
    image = QImage(str(tmp_path / "curves.png"))
    smoothed = QColor("#0d47a1").rgb()
    assert any(image.pixel(x, y) == smoothed for x in range(0, image.width(), 2) for y in range(image.height()))
    steps = np.arange(301, 4 * LONG_SERIES + 1)
    losses = np.ones(len(steps))
    losses[7777] = 30.0  # one bad batch among 20,000
    plots.add_batches([(int(step), 0.0, {"loss": float(loss), "learning_rate": 0.001})
                       for step, loss in zip(steps, losses, strict=True)])
    plots.redraw()
    assert plots.enveloped and plots.band.isVisible() and plots.rate_plot.clipToViewMode()
    columns = len(plots.raw_curve.xData)
    assert columns <= plots.step_plot.vb.width() + 1 < len(steps)  # one point per pixel column, not 20,000
    assert np.nanmax(plots.band_high.yData) == 30.0 and np.nanmax(plots.raw_curve.yData) < 30.0
    plots.step_plot.setXRange(8000, 8100, padding=0)  # zoomed in: the points themselves
    plots.redraw()
    assert list(plots.raw_curve.xData[:3]) == [8000.0, 8001.0, 8002.0]
    plots.clear()  # the next run starts short again
    assert not plots.enveloped and not plots.band.isVisible() and not plots.rate_plot.clipToViewMode()


def test_smoothing_slider_log_axes_time_axis_and_refresh_rate(qtbot):
    import numpy as np

    from gui.training.plots import TrainingPlots
    from models.training.curves import smooth

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 450)
    plots.show()
    rng = np.random.default_rng(0)
    losses = 1 + rng.random(200)
    plots.add_batches([(step + 1, 100.0 + step * 0.5, {"loss": float(loss), "learning_rate": 0.001})
                       for step, loss in enumerate(losses)])
    plots.redraw()
    before = plots.smooth_curve.yData.copy()
    np.testing.assert_allclose(before, smooth(losses, 0.9))
    plots.smoothing.setValue(0)  # no smoothing: the smoothed curve is the loss itself
    np.testing.assert_allclose(plots.smooth_curve.yData, losses)
    assert plots.smoothing_label.text() == "0.00"
    plots.smoothing.setValue(60)
    plots.add_batches([(201, 200.5, {"loss": 5.0, "learning_rate": 0.001})])  # followed live, the past unchanged
    plots.redraw()
    np.testing.assert_allclose(plots.smooth_curve.yData, smooth(np.append(losses, 5.0), 0.6))
    plots.x_axis.setCurrentText("Time")  # seconds since the first batch
    assert plots.raw_curve.xData[0] == 0.0 and plots.raw_curve.xData[-1] == 100.5
    assert plots.step_plot.getAxis("bottom").labelText == "seconds"
    plots.x_axis.setCurrentText("Step")
    plots.log_x.setChecked(True)
    assert plots.step_plot.ctrl.logXCheck.isChecked()
    plots.log_scale.setChecked(True)
    assert plots.epoch_plot.ctrl.logYCheck.isChecked()
    with qtbot.waitSignal(plots.refresh_changed) as signal:
        plots.refresh.setCurrentIndex(plots.refresh.findData(2))
    assert signal.args == [500]


def test_curves_behind_another_tab_wait_and_are_drawn_when_it_is_raised(qtbot, main_window_factory):
    """Qt moves a tabbed-away dock off-screen without hiding it: the curves must not redraw there at 12 Hz."""
    window = main_window_factory()
    window.show()
    plots = window.editor.training.plots
    window.docks["summary"].raise_()  # the Training tab is behind the Summary tab
    qtbot.waitUntil(lambda: plots.visibleRegion().isEmpty())
    assert plots.isVisible()
    plots.add_batches([(step, 0.0, {"loss": 1.0 / step, "learning_rate": 0.001}) for step in range(1, 41)])
    assert not plots.redraw() and plots.raw_curve.xData is None  # nothing drawn, nothing lost
    window.docks["training"].raise_()
    qtbot.waitUntil(lambda: plots.raw_curve.xData is not None and len(plots.raw_curve.xData) == 40)


def test_the_progress_line_changes_without_re_laying_out_the_window(qtbot):
    """A QLabel's new text asks its parents for a new layout: at 4 Hz that re-laid out every dock."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

    from gui.widgets.status_line import StatusLine

    class LayoutRequests(QObject):
        count = 0

        def eventFilter(self, _watched, event):  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.LayoutRequest:
                self.count += 1
            return False

    parent = QWidget()
    layout = QHBoxLayout(parent)
    line, label = StatusLine("Not trained yet"), QLabel("a label")
    layout.addWidget(line)
    layout.addWidget(label)
    qtbot.addWidget(parent)
    parent.resize(500, 40)
    parent.show()
    qtbot.waitExposed(parent)
    QApplication.processEvents()  # the first layout, done
    requests = LayoutRequests()
    parent.installEventFilter(requests)
    for index in range(5):
        line.setText(f"epoch 1/3 · step {index * 37}/125 · {index * 1234:,} samples/s")
        QApplication.processEvents()
    assert requests.count == 0 and line.text().startswith("epoch 1/3 · step 148/125")
    label.setText("a label whose text is longer")  # the control: a QLabel does ask
    QApplication.processEvents()
    assert requests.count > 0
    line.setText("Failed: out of memory", color="#d32f2f")
    image = line.grab().toImage()
    assert any(QColor(image.pixel(x, y)).red() > 150 and QColor(image.pixel(x, y)).green() < 120
               for x in range(image.width()) for y in range(image.height()))
    assert line.toolTip() == "Failed: out of memory"


def known_loss_panel(qtbot, scales, **training):
    """A Training panel over data whose batches have known losses (see tests/models/training/test_training_truth.py)."""
    from models.graph.project import Project
    from tests.models.training.test_training_truth import frozen_zero_model, known_batches

    dataset = known_batches(scales=scales, last=None)
    document = ProjectDocument(Project(spec=frozen_zero_model(), dataset={"source": "npz", "options": {}},
                                       training={"epochs": 2, "batch_size": 32, "shuffle": False,
                                                 "loss": "mean_squared_error", "metrics": [], **training}))
    session = Session()  # the data is loaded, as the Data panel would have loaded it
    session.state.dataset, session.state.loaded_choice = dataset, dict(document.project.dataset)
    panel = TrainingPanel(document, session)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_live_step_curve_draws_each_batch_own_loss(qtbot):
    panel = known_loss_panel(qtbot, (1.0, 1e4, 1.0, 0.1), divergence_factor=0)
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        panel.start()
    assert blocker.args[0].ok
    steps, losses = panel.plots.raw.view()
    assert list(steps) == list(range(1, 9))
    np.testing.assert_allclose(losses, [1.0, 1e8, 1.0, 0.01] * 2, rtol=1e-6)  # a spike, then back: no decay


def test_a_diverged_run_is_marked_in_the_progress_line_and_the_runs_table(qtbot):
    panel = known_loss_panel(qtbot, (1.0, 1.0, 50.0, 1.0), divergence_factor=100)
    with qtbot.waitSignal(panel.finished, timeout=120_000) as blocker:
        panel.start()
    result = blocker.args[0]
    assert result.stopped == "diverged" and result.steps == 3
    assert "diverged" in panel.progress_label.text() and panel._failed
    assert panel.trained_model is None  # a diverged model is not kept as the trained one
    record = panel.document.project.runs[-1]
    assert record["status"] == "diverged" and "at step 3" in record["message"]
    status = panel.runs.proxy.index(0, panel.runs.model.columns.index("status"))
    assert status.data() == "diverged" and status.data(Qt.ItemDataRole.ForegroundRole).name() == ERROR
    assert "at step 3" in status.data(Qt.ItemDataRole.ToolTipRole)
    _steps, losses = panel.plots.raw.view()
    assert losses[-1] == pytest.approx(2500.0)  # the step that diverged is on the curve


def test_a_project_whose_run_points_outside_its_folder_loads_no_model(qtbot, tmp_path, main_window_factory):
    """A project file is data from anywhere: a `model_file` of '../evil.keras' is never opened."""
    (tmp_path / "evil.keras").write_bytes(b"PK not a model")
    folder = tmp_path / "project"
    folder.mkdir()
    project = tiny_project(epochs=1)
    project.runs = [{"id": "run-1", "status": "completed", "model_file": "../evil.keras"}]
    path = folder / "p.strata.json"
    project.save(path)
    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert window.open_project(path)
    training = window.editor.training
    assert getattr(training, "loader", None) is None and training.trained_model is None


def test_overlaid_runs_show_every_metric_in_their_own_colour_named_by_what_differs(qtbot):
    from gui.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.overlay("run-1", {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.4, 0.8]}, "#1e88e5",
                  "learning_rate 0.01")
    plots.overlay("run-2", {"loss": [1.0, 0.9], "val_loss": [1.2, 1.0]}, "#e53935", "learning_rate 0.001")
    names = [item.name() for item in plots.overlays]
    assert names == ["run-1 accuracy (learning_rate 0.01)", "run-1 loss (learning_rate 0.01)",
                     "run-1 val_loss (learning_rate 0.01)", "run-2 loss (learning_rate 0.001)",
                     "run-2 val_loss (learning_rate 0.001)"]
    colors = {item.name().split()[0]: item.opts["pen"].color().name() for item in plots.overlays}
    assert colors == {"run-1": "#1e88e5", "run-2": "#e53935"}
    legend = [label.text for _sample, label in plots.epoch_plot.legend.items]
    assert "run-2 val_loss (learning_rate 0.001)" in legend
    assert plots.overlays[2].opts["pen"].style() == Qt.PenStyle.DashLine  # validation dashed
    plots.clear_overlays()
    assert not plots.overlays
