"""Predictions with Grad-CAM and saliency, and the decision boundary over the plane."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.inspection.attribution_controls import AttributionControls
from gui.inspection.plots import BoundaryPlot, TopKBars
from gui.inspection.tabs.base import InspectionTab, combo_items, control_row
from gui.inspection.views import OverlayImage
from models.inspection.attribution_views import AttributionView
from models.inspection.predictions import class_probabilities, top_k
from models.inspection.snapshot import ViewData


class PredictionsTab(InspectionTab):
    """Top-k classes, Grad-CAM over the image and input-gradient saliency, and one more attribution method
    computed on request (Integrated Gradients, SmoothGrad, Grad-CAM++, occlusion)."""

    cam_requested = Signal(str, object)  # layer id, class index or None (the predicted one)
    attribution_key = staticmethod(lambda: None)  # what an attribution was computed for (the panel sets it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = TopKBars()
        self.cam_layer_combo = QComboBox()
        self.class_combo = QComboBox()
        self.cam = OverlayImage()
        self.saliency = OverlayImage()
        self.attribution = OverlayImage()
        self.attribution_title = QLabel("Attribution: press Compute")
        self.attribution_view: AttributionView | None = None
        self._attribution_for = None
        self.attribution_controls = AttributionControls()
        self.attribution_controls.opacity_changed.connect(lambda _opacity: self._draw_overlays())
        self.cam_note = QLabel()
        self.cam_note.setWordWrap(True)
        self.attribution_note = QLabel()
        self.attribution_note.setWordWrap(True)
        controls = control_row("Grad-CAM layer", self.cam_layer_combo, "for class", self.class_combo)
        images = QHBoxLayout()
        for title, tip, view in (("Grad-CAM", "Where the chosen layer looked for the class", self.cam),
                                 ("Saliency", "The pixels that move the class's score most", self.saliency),
                                 (self.attribution_title, "", self.attribution)):
            column = QVBoxLayout()
            title_label = title if isinstance(title, QLabel) else QLabel(title)
            if tip:
                title_label.setToolTip(tip)
                view.setToolTip(tip)
            column.addWidget(title_label)
            column.addWidget(view, 1)
            images.addLayout(column, 1)
        left_column = QWidget()
        left = QVBoxLayout(left_column)
        left.setContentsMargins(0, 0, 4, 0)
        self.bars_title = QLabel("Top classes")
        left.addWidget(self.bars_title)
        left.addWidget(self.bars)
        left.addWidget(self.cam_note)  # under the classes, where a short dock still has room
        left.addWidget(self.attribution_note)
        left.addStretch(1)
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        scroller = QScrollArea()  # a short dock scrolls the classes and notes rather than overlapping them
        scroller.setWidget(left_column)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.viewport().setAutoFillBackground(False)  # the tab's own background, not the scroll area's
        left_column.setAutoFillBackground(False)
        layout.addWidget(scroller, 1)  # the images get three quarters: they are what the tab is for
        right = QVBoxLayout()
        right.addLayout(controls)
        right.addWidget(self.attribution_controls)
        right.addLayout(images, 1)
        layout.addLayout(right, 3)
        self.cam_layer_combo.currentIndexChanged.connect(self._cam_choice_changed)
        self.class_combo.currentIndexChanged.connect(self._cam_choice_changed)

    def draw(self) -> None:
        data = self.data
        output = data.final_output()
        if output is None:
            return
        names = data.class_names
        if output.ndim != 1:
            self.explain("Predictions are shown for models whose output is one vector of class scores.")
            return
        if data.task == "regression":  # values, not probabilities: no top-k, no made-up classes
            values = ", ".join(f"{v:.4g}" for v in output[:16])
            self.explain(f"A regression model: for this input it predicts {values}.")
            return
        predictions = top_k(output, names, k=5)
        self.bars.set_predictions(predictions)
        self.bars_title.setText("Top classes" if names else "Top classes (load the dataset for their names)")
        count = len(class_probabilities(output))
        labels = names if len(names) == count else [f"class {i}" for i in range(count)]
        combo_items(self.class_combo, [("the predicted class", None)] + [(n, i) for i, n in enumerate(labels)])
        combo_items(self.cam_layer_combo, [(layer, layer) for layer in data.cam_layers])
        if data.cam_layer and data.cam is not None:  # the layer these numbers are of
            self.cam_layer_combo.blockSignals(True)
            self.cam_layer_combo.setCurrentIndex(max(0, self.cam_layer_combo.findData(data.cam_layer)))
            self.cam_layer_combo.blockSignals(False)
        image = data.input.original if data.input is not None and data.input.original.ndim in (2, 3) else None
        if self.attribution_view is not None and self._attribution_for != self.attribution_key():  # of another
            # input or model: forgotten (the key is only worked out while there is a map to check)
            self.clear_attribution()
        sample = data.input.sample if data.input is not None else None
        if sample is not None and np.ndim(sample) == 3:
            self.attribution_controls.fit_to_image(*np.shape(sample)[:2])
        notes = []
        for view, heat, key in ((self.cam, data.cam, "grad_cam"), (self.saliency, data.saliency, "saliency")):
            if image is not None:
                view.set_image(image)
            if heat is None:
                notes.append(data.unavailable.get(key) or ("Grad-CAM and saliency are computed for the trained "
                                                           "or untrained model when training is not running."
                                                           if key == "grad_cam" else ""))
        if data.predicted_class is not None and data.cam is not None:
            chosen = self.class_combo.currentData()
            target = labels[chosen if chosen is not None else data.predicted_class]
            silent = float(np.max(data.cam)) <= 0  # every region's weighted maps sum below zero: ReLU leaves none
            notes.insert(0, f"Grad-CAM of {data.cam_layer} for '{target}'" + (
                ": zero everywhere — no region of this layer raises the class's score." if silent else "."))
        self.cam_note.setText(" ".join(n for n in notes if n))
        if image is not None:
            self.attribution.set_image(image)
        self._draw_overlays()

    def _draw_overlays(self) -> None:
        opacity = self.attribution_controls.opacity()
        self.cam.set_overlay(self.data.cam, "inferno", opacity)
        self.saliency.set_overlay(self.data.saliency, "inferno", opacity)
        view = self.attribution_view
        self.attribution.set_overlay(view.heat if view is not None else None, "inferno", opacity)

    def show_attribution(self, view: AttributionView, key: object) -> None:
        self.attribution_view, self._attribution_for = view, key
        names = self.data.class_names
        target = names[view.class_index] if view.class_index < len(names) else f"class {view.class_index}"
        self.attribution_title.setText(f"{view.method} for '{target}'")
        self.attribution_note.setText(view.text)
        self._draw_overlays()

    def show_attribution_status(self, text: str) -> None:
        self.attribution_note.setText(text)

    def clear_attribution(self) -> None:
        self.attribution_view, self._attribution_for = None, None
        self.attribution_title.setText("Attribution: press Compute")
        self.attribution_note.setText("")
        self.attribution.set_overlay(None)

    def _cam_choice_changed(self, _index: int) -> None:
        layer = self.cam_layer_combo.currentData()
        if layer:
            self.cam_requested.emit(layer, self.class_combo.currentData())

    def export_widget(self) -> QWidget:
        return self.content if self.stack.currentWidget() is self.content else self.message

    def export_arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        if self.data.cam is not None:
            arrays["grad_cam"] = self.data.cam
        if self.data.saliency is not None:
            arrays["saliency"] = self.data.saliency
        view = self.attribution_view
        if view is not None:
            name = view.method.lower().replace(" ", "_").replace("-", "_").replace("+", "p")
            arrays[name] = view.values
            arrays[f"{name}_map"] = view.heat
        return arrays


class BoundaryTab(InspectionTab):
    view_key = "boundary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = BoundaryPlot()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_data(self, data: ViewData) -> None:
        if data.boundary is not None and self.view_key not in data.unavailable:
            self.data = data
            self.stack.setCurrentWidget(self.content)
            self.draw()
        elif data.unavailable.get(self.view_key):
            self.explain(data.unavailable[self.view_key])
        else:
            self.data = data
            self.explain("The decision boundary appears once 2-D data (Data ▸ 2-D toy) is loaded, and updates "
                         "live while the model trains.")

    def draw(self) -> None:
        boundary = self.data.boundary
        self.plot.set_boundary(boundary.probabilities.astype(np.float32), boundary.x_range, boundary.y_range)
        if self.data.points is not None:
            self.plot.set_points(*self.data.points)

    def export_arrays(self) -> dict[str, np.ndarray]:
        return {"boundary_probabilities": self.data.boundary.probabilities} if self.data.boundary else {}
