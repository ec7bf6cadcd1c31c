"""The Predictions tab's attribution controls: the method, its settings (only those of the chosen method are
shown), Compute / Cancel with a progress bar, and the opacity of every overlay."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.inspection.tabs.base import control_row
from gui.inspection.task_controls import TaskControls
from models.inspection.attribution_methods import BASELINES
from models.inspection.attribution_views import METHODS


def _spin(low: int, high: int, value: int, step: int = 1, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    return spin


class AttributionControls(QWidget):
    """Emits `compute_requested(method, settings)` and `opacity_changed(0..1)`; `task` has Compute / Cancel."""

    compute_requested = Signal(str, dict)
    opacity_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_combo = QComboBox()
        self.method_combo.addItems(METHODS)
        self.baseline_combo = QComboBox()
        self.baseline_combo.addItems(BASELINES)
        self.baseline_combo.setToolTip("Where the path of Integrated Gradients starts: a black image, the image "
                                       "blurred, or its mean value everywhere")
        self.steps_spin = _spin(4, 512, 64, 16)
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.01, 1.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setValue(0.15)
        self.noise_spin.setToolTip("The noise's standard deviation, as a share of the input's value range")
        self.samples_spin = _spin(2, 200, 25, 5)
        self.patch_spin = _spin(1, 512, 8, 1, " px")
        self.stride_spin = _spin(1, 512, 4, 1, " px")
        self.settings_stack = QStackedWidget()
        for items in (("baseline", self.baseline_combo, "steps", self.steps_spin),
                      ("noise", self.noise_spin, "samples", self.samples_spin),
                      ("at the Grad-CAM layer chosen above",),
                      ("patch", self.patch_spin, "stride", self.stride_spin)):
            page = QWidget()
            row = control_row(*items)
            row.setContentsMargins(0, 0, 0, 0)
            page.setLayout(row)
            self.settings_stack.addWidget(page)
        self.method_combo.currentIndexChanged.connect(self.settings_stack.setCurrentIndex)
        self.task = TaskControls(self)
        self.compute_button, self.cancel_button, self.progress = self.task.widgets()
        self.task.compute_clicked.connect(self._compute)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(50)
        self.opacity_slider.setMaximumWidth(140)
        self.opacity_slider.setToolTip("How strongly the heat maps cover the image")
        self.opacity_slider.valueChanged.connect(lambda value: self.opacity_changed.emit(value / 100))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        first = QHBoxLayout()
        first.addWidget(QLabel("Attribution"))
        first.addWidget(self.method_combo)
        first.addWidget(self.settings_stack)
        first.addStretch(1)
        second = control_row(self.compute_button, self.cancel_button, self.progress, "Overlay opacity",
                             self.opacity_slider)
        layout.addLayout(first)
        layout.addLayout(second)

    def opacity(self) -> float:
        return self.opacity_slider.value() / 100

    def settings(self) -> dict[str, Any]:
        method = self.method_combo.currentText()
        if method == "Integrated Gradients":
            return {"baseline": self.baseline_combo.currentText(), "steps": self.steps_spin.value()}
        if method == "SmoothGrad":
            return {"noise": self.noise_spin.value(), "samples": self.samples_spin.value()}
        if method == "Occlusion":
            return {"patch": self.patch_spin.value(), "stride": self.stride_spin.value()}
        return {}

    def fit_to_image(self, height: int, width: int) -> None:
        """Occlusion's square: an eighth of the image's shorter side, moved by half of it (about 200 passes)."""
        side = max(1, min(height, width))
        if self.patch_spin.maximum() != side:
            self.patch_spin.setMaximum(side)
            self.stride_spin.setMaximum(side)
            self.patch_spin.setValue(max(1, side // 8))
            self.stride_spin.setValue(max(1, side // 16))

    def _compute(self) -> None:
        self.compute_requested.emit(self.method_combo.currentText(), self.settings())
