"""The embedding projector: a layer's activations over dataset samples projected to a plane (PCA, t-SNE, UMAP),
coloured by class, optionally beside a second layer to watch the classes separate with depth. Hovering a point
shows its sample; clicking pins it in Inspection. Computed on request in a worker (see `projection_runs.py`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.inspection.projection_plot import ProjectionPlot
from gui.inspection.tabs.base import InspectionTab, combo_items, control_row
from gui.inspection.task_controls import TaskControls
from gui.widgets.colors import muted_style
from gui.widgets.images import image_for_view, to_qimage
from models.inspection.projection import MAX_SAMPLES, METHODS, Projection, method_unavailable

NOT_PROJECTED = ("InputLayer", "Input", "Dropout")
THUMBNAIL = 96


def separation_text(projection: Projection) -> str:
    """What the layer's own space says about the classes, independent of the picture."""
    if projection.neighbour_accuracy is None:
        return f"{projection.features} features; no classes to compare"
    text = (f"{projection.features} features; 5 nearest neighbours share the class {projection.neighbour_accuracy:.0%}"
            f" of the time (largest class {projection.majority:.0%})")
    if projection.explained is not None:
        text += f"; the two PCA axes keep {projection.explained:.0%} of the variance"
    return text


class EmbeddingsTab(InspectionTab):
    """Emits `compute_requested(layer ids, method, samples)` and `pin_requested(index)`; `task` has Compute / Cancel."""

    compute_requested = Signal(list, str, int)
    pin_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(16)
        self.compare_combo = QComboBox()
        self.compare_combo.setMinimumContentsLength(16)
        self.compare_combo.setToolTip("A second layer beside the first: do the classes separate more with depth?")
        self.method_combo = QComboBox()
        for method in METHODS:
            self.method_combo.addItem(method)
            reason = method_unavailable(method)
            if reason:  # shown, but off, with the reason where the user looks for it
                self.method_combo.model().item(self.method_combo.count() - 1).setEnabled(False)
                self.method_combo.setItemData(self.method_combo.count() - 1, reason, Qt.ItemDataRole.ToolTipRole)
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(50, MAX_SAMPLES)
        self.samples_spin.setSingleStep(500)
        self.samples_spin.setValue(1000)
        self.samples_spin.setToolTip("Validation samples to project (t-SNE and UMAP take a few seconds per "
                                     "thousand)")
        self.task = TaskControls(self)
        self.compute_button, self.cancel_button, self.progress = self.task.widgets()
        self.task.compute_clicked.connect(self._compute)
        self.status = QLabel("Load the project's dataset, choose a layer and press Compute: each validation sample "
                             "becomes a point, placed by what the layer makes of it.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(muted_style())
        self.plots = [ProjectionPlot(), ProjectionPlot()]
        self.captions = [QLabel(), QLabel()]
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMBNAIL, THUMBNAIL)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hover_label = QLabel("Hover a point to see its sample; click to pin it.")
        self.hover_label.setWordWrap(True)
        self.hover_label.setFixedWidth(THUMBNAIL + 40)
        self.samples: np.ndarray | None = None  # what the points are, for thumbnails
        self.split = "validation"
        self.projections: list[Projection] = []
        plots = QHBoxLayout()
        for plot, caption in zip(self.plots, self.captions, strict=True):
            column = QVBoxLayout()
            caption.setWordWrap(True)
            column.addWidget(plot, 1)
            column.addWidget(caption)
            plots.addLayout(column, 1)
            plot.point_hovered.connect(self._hovered)
            plot.point_clicked.connect(self.pin_requested)
        side = QVBoxLayout()
        side.addWidget(self.thumbnail)
        side.addWidget(self.hover_label)
        side.addStretch(1)
        plots.addLayout(side)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(control_row("Layer", self.layer_combo, "beside", self.compare_combo, "Projection",
                                     self.method_combo, "Samples", self.samples_spin, self.compute_button,
                                     self.cancel_button, self.progress))
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)
        self.plots[1].hide()
        self.captions[1].hide()

    def layer_ids(self) -> list[str]:
        return [layer_id for layer_id in self.data.layer_ids()
                if self.data.layer_types.get(layer_id, "") not in NOT_PROJECTED]

    def draw(self) -> None:
        ids = self.layer_ids()
        if not ids:
            self.explain("The projector needs a model with layers to project.")
            return
        items = [(f"{i} · {self.data.layer_types.get(i, '')}", i) for i in ids]
        combo_items(self.layer_combo, items)
        combo_items(self.compare_combo, [("no second layer", None)] + items)

    def chosen_layers(self) -> list[str]:
        layers = [self.layer_combo.currentData()]
        second = self.compare_combo.currentData()
        if second and second != layers[0]:
            layers.append(second)
        return [layer for layer in layers if layer]

    def _compute(self) -> None:
        layers = self.chosen_layers()
        if layers:
            self.compute_requested.emit(layers, self.method_combo.currentText(), self.samples_spin.value())

    # ----- from the panel's thread ------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def show_projections(self, projections: list[Projection], samples: np.ndarray, split: str) -> None:
        self.projections, self.samples, self.split = projections, samples, split
        for index, (plot, caption) in enumerate(zip(self.plots, self.captions, strict=True)):
            projection = projections[index] if index < len(projections) else None
            plot.set_projection(projection, self.data.class_names)
            caption.setText(separation_text(projection) if projection is not None else "")
            plot.setVisible(projection is not None)
            caption.setVisible(projection is not None)
        self.status.setText(f"{len(samples)} {split} samples, each a point placed by {projections[0].method}: near "
                            "points are samples the layer sees alike. The numbers under each plot are measured in the "
                            "layer itself, not in the picture.")

    def _hovered(self, index: int) -> None:
        if index < 0 or self.samples is None or index >= len(self.samples):
            return
        image = image_for_view(self.samples[index])
        pixmap = QPixmap.fromImage(to_qimage(image)).scaled(
            THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation if max(image.shape[:2]) < 64 else
            Qt.TransformationMode.SmoothTransformation)
        self.thumbnail.setPixmap(pixmap)
        labels = self.projections[0].labels if self.projections else np.zeros(0)
        name = f": {self.plots[0].name_of(int(labels[index]))}" if len(labels) > index else ""
        self.hover_label.setText(f"{self.split} sample {index}{name}")

    def export_arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        for projection in self.projections:
            arrays[f"{projection.layer_id}_points"] = projection.points
            arrays[f"{projection.layer_id}_labels"] = projection.labels
        return arrays
