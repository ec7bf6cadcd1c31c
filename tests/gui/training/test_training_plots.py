"""The training curves' layout: legends beside the data, never over it."""

from PySide6.QtWidgets import QApplication

from gui.training.plots import TrainingPlots
from tests.qt_helpers import shown


def test_legends_sit_outside_the_data_area(qtbot):
    plots = shown(qtbot, TrainingPlots(), 900, 420)
    plots.plan_run(3, 10)
    for epoch in range(3):
        plots.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "accuracy": 0.5 + epoch / 10,
                                "val_loss": 1.2 / (epoch + 1), "val_accuracy": 0.45 + epoch / 10})
    plots.add_batches([(step, 0.0, {"loss": 1.0 / (step + 1)}) for step in range(1, 6)])
    assert plots.redraw()
    QApplication.processEvents()
    for plot in (plots.step_plot, plots.epoch_plot):
        legend, data = plot.legend.sceneBoundingRect(), plot.vb.sceneBoundingRect()
        assert not legend.isEmpty() and not legend.intersects(data)
    names = [label.text for _sample, label in plots.epoch_plot.legend.items]
    assert names == ["accuracy", "loss", "val_accuracy", "val_loss"]
