"""What a channel or a class looks for: images optimised to excite each of a layer's channels (computed on
request in a worker, see `feature_runs.py`), as a grid captioned with how strongly each drives its channel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.inspection.tabs.base import InspectionTab, combo_items, control_row
from gui.inspection.task_controls import TaskControls
from gui.inspection.views import TileGrid
from gui.widgets.colors import muted_style
from models.inspection.feature_visualization import FeatureImages

NOT_VISUALIZED = ("InputLayer", "Input", "Dropout", "Flatten", "Reshape")


def _spin(low: int, high: int, value: int, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSingleStep(step)
    return spin


class FeaturesTab(InspectionTab):
    """Emits `compute_requested(layer id, channels, settings)`; `task` has Compute / Cancel."""

    compute_requested = Signal(str, list, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(18)
        self.first_spin = _spin(0, 4095, 0)
        self.first_spin.setToolTip("The first channel (or class) of the grid")
        self.count_spin = _spin(1, 64, 16)
        self.count_spin.setToolTip("How many channels, one image each, optimised together in one batch")
        self.steps_spin = _spin(16, 2048, 256, 64)
        self.size_spin = _spin(16, 256, 64, 16)
        self.size_spin.setSuffix(" px")
        self.decorrelate_box = QCheckBox("Natural colours")
        self.decorrelate_box.setChecked(True)
        self.decorrelate_box.setToolTip("Optimise in decorrelated colours (Lucid's ImageNet colour basis) rather "
                                        "than raw RGB: colours stay natural")
        self.task = TaskControls(self)
        self.compute_button, self.cancel_button, self.progress = self.task.widgets()
        self.task.compute_clicked.connect(self._compute)
        self.status = QLabel("Choose a layer and press Compute: for each channel, an image found by gradient "
                             "ascent that drives the channel as high as it can.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(muted_style())
        self.grid = TileGrid()
        self.grid.set_captions_visible(True)
        self.result: FeatureImages | None = None
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(control_row("Layer", self.layer_combo, "channels from", self.first_spin, "count",
                                     self.count_spin))
        layout.addLayout(control_row("Steps", self.steps_spin, "Size", self.size_spin, self.decorrelate_box,
                                     self.compute_button, self.cancel_button, self.progress))
        layout.addWidget(self.status)
        layout.addWidget(self.grid, 1)
        self.layer_combo.currentIndexChanged.connect(lambda _index: self._layer_changed())

    def layer_ids(self) -> list[str]:
        """Layers with a channel axis worth a picture: convolutions and the like, Dense units, the classes."""
        return [layer_id for layer_id in self.data.layer_ids()
                if self.data.layer_types.get(layer_id, "") not in NOT_VISUALIZED
                and np.ndim(self.data.outputs[layer_id]) in (1, 3)]

    def draw(self) -> None:
        sample = None if self.data.input is None else self.data.input.sample
        if sample is None or np.ndim(sample) != 3 or np.shape(sample)[-1] not in (1, 3):
            self.explain("Feature visualization optimises an input image; this model does not take gray or colour "
                         "images.")
            return
        ids = self.layer_ids()
        combo_items(self.layer_combo, [(f"{i} · {self.data.layer_types.get(i, '')}", i) for i in ids])
        self._layer_changed()

    def _layer_changed(self) -> None:
        layer = self.layer_combo.currentData()
        if layer and layer in self.data.outputs:
            channels = int(np.shape(self.data.outputs[layer])[-1])
            self.first_spin.setMaximum(max(channels - 1, 0))
            self.count_spin.setMaximum(max(1, min(64, channels)))

    def chosen_channels(self) -> list[int]:
        layer = self.layer_combo.currentData()
        total = int(np.shape(self.data.outputs[layer])[-1]) if layer in self.data.outputs else 0
        first = min(self.first_spin.value(), max(total - 1, 0))
        return list(range(first, min(total, first + self.count_spin.value())))

    def _compute(self) -> None:
        layer = self.layer_combo.currentData()
        if not layer:
            return
        settings = {"steps": self.steps_spin.value(), "size": self.size_spin.value(),
                    "decorrelate": self.decorrelate_box.isChecked()}
        self.compute_requested.emit(layer, self.chosen_channels(), settings)

    # ----- from the panel's thread ------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def show_result(self, result: FeatureImages) -> None:
        self.result = result
        is_output = result.layer_id == (self.data.layer_ids() or [""])[-1]
        names = self.data.class_names if is_output else []
        titles = [f"{names[c] if c < len(names) else c}: {final:.2g} ({start:.2g})"
                  for c, start, final in zip(result.channels, result.start_activation, result.final_activation,
                                             strict=True)]
        count = len(result.channels)  # columns that fill the view's shape, so the tiles come out as large as can be
        aspect = max(self.grid.width(), 1) / max(self.grid.height(), 1)
        columns = max(1, min(count, round(float(np.sqrt(count * aspect)))))
        self.grid.set_tiles(result.images, titles=titles, columns=columns)
        which = "logit" if is_output and result.before_activation else "mean value"
        where = " before its activation function" if result.before_activation and not is_output else ""
        gain = float(np.median(result.final_activation - result.start_activation))
        self.status.setText(
            f"{result.layer_id}: each image drives its channel's {which}{where} to the first number; the random "
            f"image it started from gave the one in brackets (median gain {gain:.3g} after {result.steps} steps, "
            "with jitter, scaling and a smoothness penalty so the picture is not noise that fools the unit).")

    def export_arrays(self) -> dict[str, np.ndarray]:
        if self.result is None:
            return {}
        return {"feature_images": self.result.images, "channels": np.asarray(self.result.channels),
                "start_activation": self.result.start_activation, "final_activation": self.result.final_activation}
