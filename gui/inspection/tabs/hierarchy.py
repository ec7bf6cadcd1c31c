"""Hierarchy: how much each conv layer knows about the classes (a linear probe, now and before training, against
depth), the dataset patches that excite a layer's channels most, and — click a place on the image — the
receptive field of the chosen layer's unit there: its box and its effective field over many samples.

The numbers come from the dataset and the model, so they are measured in a thread (the panel runs the request
this tab emits) and arrive with `show_measure` and `show_field`."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget

from gui.inspection.line_plots import LinePlot
from gui.inspection.tabs.base import InspectionTab, combo_items, control_row
from gui.inspection.views import OverlayImage, TileGrid
from gui.widgets.colors import muted_style
from models.inspection.hierarchy import HierarchyMeasure, UnitField

CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose")
PATCH_SIZE = 32  # pixels each top patch is resampled to, so patches of any field size share one grid


def _resampled(patch: np.ndarray, size: int = PATCH_SIZE) -> np.ndarray:
    """A patch (h, w, c) scaled to 0..1 and resampled (nearest) to size x size, gray or RGB."""
    patch = np.asarray(patch, dtype=np.float32)
    patch = patch[..., 0] if patch.ndim == 3 and patch.shape[-1] == 1 else patch
    rows = np.linspace(0, patch.shape[0] - 1, size).round().astype(int)
    columns = np.linspace(0, patch.shape[1] - 1, size).round().astype(int)
    return _scaled01(patch[rows][:, columns])


def _scaled01(values: np.ndarray) -> np.ndarray:
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    return np.nan_to_num((values - low) / (high - low)) if high > low else np.zeros_like(values)


class HierarchyTab(InspectionTab):
    """Signals: `measure_requested(layer id, samples)`, `field_requested(layer id, x01, y01)`."""

    measure_requested = Signal(str, int)
    field_requested = Signal(str, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(18)
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(50, 5000)
        self.samples_spin.setSingleStep(100)
        self.samples_spin.setValue(500)
        self.samples_spin.setToolTip("Validation samples the probe, the top patches and the effective field use")
        self.measure_button = QPushButton("Measure")
        self.measure_button.setToolTip("Probe every conv layer and find the patches that excite this layer most")
        self.measure_button.clicked.connect(self.request_measure)
        self.status = QLabel("Press Measure: a linear probe on every conv layer, and this layer's strongest "
                             "patches over the validation data.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(muted_style())
        self.probe_plot = LinePlot("layer (and how many input pixels one unit sees)", "probe accuracy")
        self.patches = TileGrid()
        self.patches.set_captions_visible(True)
        self.image = OverlayImage()
        self.image.clicked.connect(self._image_clicked)
        self.field_label = QLabel("Click a place on the image: the chosen layer's unit there, what it can see "
                                  "(box) and what it responds to (heat).")
        self.field_label.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.field_label)
        right_layout.addWidget(self.image, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.probe_plot)
        self.splitter.addWidget(self.patches)
        self.splitter.addWidget(right)
        self.splitter.setSizes([340, 340, 260])
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(control_row("Layer", self.layer_combo, "Samples", self.samples_spin, self.measure_button))
        layout.addWidget(self.status)
        layout.addWidget(self.splitter, 1)
        self.measure: HierarchyMeasure | None = None
        self.field: UnitField | None = None
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._layer_changed())

    def spatial_layer_ids(self) -> list[str]:
        """Convolution layers with a (rows, columns, channels) map: what the probe and the fields apply to."""
        return [layer_id for layer_id in self.data.layer_ids() if np.ndim(self.data.outputs[layer_id]) == 3
                and self.data.layer_types.get(layer_id, "") in CONVOLUTIONS]

    def draw(self) -> None:
        ids = self.spatial_layer_ids()
        if not ids:
            self.explain("The hierarchy applies to image networks: this model has no convolution layer with a "
                         "spatial map.")
            return
        combo_items(self.layer_combo, [(f"{i} · {self.data.layer_types.get(i, '')}", i) for i in ids])
        sample = None if self.data.input is None else np.asarray(self.data.input.sample, dtype=np.float32)
        if sample is not None and sample.ndim == 3:  # what the model receives: its pixels are the field's
            self.image.set_image(_scaled01(sample if sample.shape[-1] in (1, 3) else sample[..., :1]))

    def request_measure(self) -> None:
        layer = self.layer_combo.currentData()
        if layer:
            self.measure_button.setEnabled(False)
            self.status.setText(f"Measuring over {self.samples_spin.value()} validation samples…")
            self.measure_requested.emit(layer, self.samples_spin.value())

    def _layer_changed(self) -> None:
        self.field = None
        self.image.set_overlay(None)
        self.image.set_marker(None)
        if self.measure is not None and self.measure.layer != self.layer_combo.currentData():
            self.request_measure()  # the top patches belong to one layer

    def _image_clicked(self, x01: float, y01: float) -> None:
        layer = self.layer_combo.currentData()
        if layer:
            self.field_label.setText("Measuring this unit's field…")
            self.field_requested.emit(layer, float(x01), float(y01))

    # ----- results from the panel's thread ----------------------------------------------------------------
    def show_failure(self, text: str) -> None:
        self.measure_button.setEnabled(True)
        self.status.setText(text)

    def show_measure(self, measure: HierarchyMeasure) -> None:
        self.measure = measure
        self.measure_button.setEnabled(True)
        layers = measure.layers
        ticks = [f"{name}\n{measure.fields[name][0]}x{measure.fields[name][1]}" for name in layers]
        lines = {"now": np.array([measure.trained[name] for name in layers])}
        if measure.initial is not None:
            lines["before training"] = np.array([measure.initial[name] for name in layers])
        self.probe_plot.set_lines(lines, ticks, ("always the largest class", measure.chance), (0.0, 1.0))
        first, last = layers[0], layers[-1]
        before = ("" if measure.initial is None else
                  f"; before training {measure.initial[first]:.0%} and {measure.initial[last]:.0%}")
        self.status.setText(f"A linear probe on each layer's average activations names the class "
                            f"{measure.trained[first]:.0%} of the time at {first} and {measure.trained[last]:.0%} "
                            f"at {last}{before} (always guessing the largest class: {measure.chance:.0%}). "
                            f"Right: the patches that excite {measure.layer}'s most active channels most.")
        tiles, titles = [], []
        for channel in measure.channels:
            for rank, patch in enumerate(measure.top.get(channel, [])):
                tiles.append(_resampled(patch.patch))
                titles.append(f"ch {channel}" if rank == 0 else "")
        per_channel = max((len(measure.top.get(c, [])) for c in measure.channels), default=1)
        self.patches.set_tiles(np.stack(tiles) if tiles else None, "gray", titles, columns=per_channel, gap=2)

    def show_field(self, field: UnitField) -> None:
        self.field = field
        rows, columns = field.effective.shape[:2]
        box = field.box
        self.image.set_overlay(field.effective, "inferno", 0.6)
        self.image.set_marker(QRectF(box.left / columns, box.top / rows, box.width / columns, box.height / rows))
        share = float((field.effective > 0.1).sum()) / max(box.height * box.width, 1)
        self.field_label.setText(f"{field.layer}, unit ({field.row}, {field.column}): it can see {box.height}x"
                                 f"{box.width} pixels (box); the heat is where it responds, on average over the "
                                 f"samples ({share:.0%} of the box above a tenth of the peak).")

    def export_arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        if self.measure is not None:
            arrays["probe_now"] = np.array([self.measure.trained[n] for n in self.measure.layers])
            if self.measure.initial is not None:
                arrays["probe_before_training"] = np.array([self.measure.initial[n] for n in self.measure.layers])
        if self.field is not None:
            arrays["effective_field"] = self.field.effective
        return arrays
