"""The Inspection panel's tabs: feature maps, overview, filters, attention, predictions, decision boundary.

Each tab is a view over one `ViewData` (numbers already computed off the GUI thread, by the inspection
worker or live by the training thread) and redraws only when it is the visible tab. A tab that does not
apply to the model says why instead of staying blank.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.inspection.plots import BarStrip, BoundaryPlot, ChannelDetail, Heatmap, TopKBars
from gui.inspection.views import OverlayImage, TileGrid
from gui.widgets.images import COLORMAPS, normalize
from models.formatting import dims_text
from models.inspection.attention import PatchGrid, attention_rollout, attention_scores, patch_attention, patch_grid
from models.inspection.filters import filter_tiles
from models.inspection.predictions import class_probabilities, top_k
from models.inspection.probe import SCORES_SUFFIX, channel_order
from models.inspection.snapshot import ViewData

log = logging.getLogger(__name__)


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("color: palette(mid); padding: 12px;")
    return label


def _combo_items(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Refill a combo only when its items changed, keeping the current choice (no flicker, no signal storm)."""
    current = combo.currentData()
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == items:
        return
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def _control_row(*items: str | QWidget) -> QHBoxLayout:
    """A row of labelled controls, left-aligned: strings become labels, widgets are added as they are."""
    row = QHBoxLayout()
    for item in items:
        row.addWidget(QLabel(item) if isinstance(item, str) else item)
    row.addStretch(1)
    return row


def _shape_text(values: np.ndarray) -> str:
    return dims_text(values.shape)


class InspectionTab(QWidget):
    """Base: a stack of [content, message]; `show_data` draws or explains."""

    view_key = ""  # the key of `unavailable_views` this tab depends on, if any

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ViewData()
        self.stack = QStackedWidget()
        self.message = _message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.content = QWidget()
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack)

    def show_data(self, data: ViewData) -> None:
        self.data = data
        reason = data.unavailable.get(self.view_key) if self.view_key else None
        if data.input is None and not data.outputs:
            self.explain("Load an image (File ▸ Open Image, drop one here, paste, or pick a sample) to see what "
                         "every layer makes of it.")
        elif reason:
            self.explain(reason)
        else:
            self.stack.setCurrentWidget(self.content)
            self._draw_safely()

    def _draw_safely(self) -> None:
        """Draw, or say what went wrong: a view must never raise into Qt's event loop."""
        try:
            self.draw()
        except Exception as error:
            log.exception("drawing %s failed", type(self).__name__)
            self.explain(f"This view cannot be drawn for this model: {error}")

    def explain(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def draw(self) -> None:
        raise NotImplementedError

    def export_widget(self) -> QWidget:
        return self.stack.currentWidget()

    def export_arrays(self) -> dict[str, np.ndarray]:
        return {}


class FeatureMapsTab(InspectionTab):
    """One layer: a channel grid (conv), bars (dense) or a tokens x features heatmap (sequences)."""

    layer_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(24)
        self.colormap_combo = QComboBox()
        self.colormap_combo.addItems(COLORMAPS)
        self.normalize_combo = QComboBox()
        self.normalize_combo.addItem("Each channel its own range", True)
        self.normalize_combo.addItem("One range for all channels", False)
        self.sort_check = QCheckBox("Sort by mean activation")
        controls = _control_row("Layer", self.layer_combo, "Colours", self.colormap_combo, self.normalize_combo,
                                self.sort_check)
        self.grid = TileGrid()
        self.detail = ChannelDetail()
        self.bars = BarStrip()
        self.heatmap = Heatmap()
        self.views = QStackedWidget()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setSizes([600, 300])
        for widget in (self.splitter, self.bars, self.heatmap):
            self.views.addWidget(widget)
        self.shape_label = QLabel()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.shape_label)
        layout.addWidget(self.views, 1)
        self.order: np.ndarray = np.arange(0)
        self.channel: int | None = None
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        for signal in (self.colormap_combo.currentIndexChanged, self.normalize_combo.currentIndexChanged,
                       self.sort_check.toggled):
            signal.connect(lambda *_: self._draw_safely())
        self.grid.tile_clicked.connect(self._channel_clicked)

    def current_layer(self) -> str | None:
        return self.layer_combo.currentData()

    def select_layer(self, layer_id: str) -> bool:
        index = self.layer_combo.findData(layer_id)
        if index < 0:
            return False
        self.layer_combo.setCurrentIndex(index)
        return True

    def _layer_changed(self, _index: int) -> None:
        self.channel = None
        self._draw_safely()
        if self.current_layer():
            self.layer_chosen.emit(self.current_layer())

    def draw(self) -> None:
        data = self.data
        items = [(f"{layer_id} · {data.layer_types.get(layer_id, '')} · {_shape_text(data.outputs[layer_id])}",
                  layer_id) for layer_id in data.layer_ids()]
        _combo_items(self.layer_combo, items)
        activation = data.activation(self.current_layer()) if self.current_layer() else None
        if activation is None:
            return
        lut = self.colormap_combo.currentText()
        kind = activation.kind
        source = f" · {data.source}" if data.source else ""
        self.shape_label.setText(f"{activation.layer_id} ({activation.layer_type}): output "
                                 f"{_shape_text(activation.values)}{source}")
        if kind in ("image", "volume"):
            maps = activation.channel_stack()
            self.order = channel_order(maps, self.sort_check.isChecked())
            stack = np.moveaxis(maps[self.order], 0, -1)
            tiles = np.moveaxis(normalize(stack, self.normalize_combo.currentData()), -1, 0)
            self.grid.set_tiles(tiles, lut, [f"channel {int(i)}" for i in self.order])
            self.views.setCurrentWidget(self.splitter)
            channel = self.channel if self.channel is not None and self.channel < len(maps) else int(self.order[0])
            self.channel = channel
            self.detail.set_map(maps[channel], lut, f"{activation.layer_id} · channel {channel}")
        elif kind == "vector":
            names = data.class_names if len(data.class_names) == activation.values.size else None
            self.bars.set_values(activation.values, f"{activation.layer_id} · {activation.values.size} units", names)
            self.views.setCurrentWidget(self.bars)
        elif kind == "sequence":
            self.heatmap.set_matrix(activation.values, lut, f"{activation.layer_id}: steps x features",
                                    row_title="step", col_title="feature")
            self.views.setCurrentWidget(self.heatmap)
        else:
            self.bars.set_values(np.atleast_1d(activation.values).ravel(), activation.layer_id)
            self.views.setCurrentWidget(self.bars)

    def _channel_clicked(self, tile: int) -> None:
        if 0 <= tile < len(self.order):
            self.channel = int(self.order[tile])
            activation = self.data.activation(self.current_layer())
            if activation is not None:
                maps = activation.channel_stack()
                self.detail.set_map(maps[self.channel], self.colormap_combo.currentText(),
                                    f"{activation.layer_id} · channel {self.channel}")

    def export_widget(self) -> QWidget:
        return self.views.currentWidget() if self.stack.currentWidget() is self.content else self.message

    def export_arrays(self) -> dict[str, np.ndarray]:
        layer = self.current_layer()
        return {layer: np.asarray(self.data.outputs[layer])} if layer in self.data.outputs else {}


class OverviewTab(InspectionTab):
    """One row per layer with its most active channels: edges first, then shapes, then parts."""

    ROW_HEIGHT = 72
    PER_LAYER = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_widget = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_widget)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(2)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.rows_widget)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.rows: list[tuple[QLabel, TileGrid]] = []

    def draw(self) -> None:
        data = self.data
        entries = []
        for layer_id in data.layer_ids():
            activation = data.activation(layer_id)
            if activation.kind in ("image", "volume"):
                maps = activation.channel_stack()
                top = maps[channel_order(maps, sort=True)[:self.PER_LAYER]]
                tiles = np.moveaxis(normalize(np.moveaxis(top, 0, -1), True), -1, 0)
            elif activation.kind == "vector":
                tiles = normalize(activation.values.reshape(1, -1, 1), True).reshape(1, 1, -1)
            else:
                continue
            entries.append((f"{layer_id}\n{activation.layer_type} {_shape_text(activation.values)}", tiles))
        if not entries:
            self.explain("No layer here has an image-like or vector output to summarise.")
            return
        while len(self.rows) < len(entries):
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            label, grid = QLabel(), TileGrid()
            label.setFixedWidth(170)
            row.setFixedHeight(self.ROW_HEIGHT)
            row_layout.addWidget(label)
            row_layout.addWidget(grid, 1)
            self.rows_layout.addWidget(row)
            self.rows.append((label, grid))
        for index, (label, grid) in enumerate(self.rows):
            visible = index < len(entries)
            label.parentWidget().setVisible(visible)
            if visible:
                label.setText(entries[index][0])
                grid.set_tiles(entries[index][1], "viridis", columns=len(entries[index][1]))

    def export_widget(self) -> QWidget:
        return self.rows_widget if self.stack.currentWidget() is self.content else self.message

    def export_arrays(self) -> dict[str, np.ndarray]:
        return {key: np.asarray(value) for key, value in self.data.outputs.items()}


class FiltersTab(InspectionTab):
    view_key = "filters"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.note = QLabel()
        self.grid = TileGrid()
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.note, 1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.grid, 1)
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())

    def draw(self) -> None:
        data = self.data
        _combo_items(self.layer_combo, [(f"{layer_id} · {data.layer_types.get(layer_id, '')}", layer_id)
                                        for layer_id in data.layer_types if layer_id in data.kernels])
        layer = self.layer_combo.currentData()
        if layer is None:
            self.explain("The kernels of these convolution layers are too large to copy while training; "
                         "they appear when the run ends.")
            return
        tiles = filter_tiles(np.asarray(data.kernels[layer], np.float32), layer,
                                        data.layer_types.get(layer, ""))
        if tiles.rgb:
            self.grid.set_tiles(tiles.tiles, "gray")
            what = "each tile is one filter, in colour: what it responds to in the input image"
        else:
            count, inputs = tiles.tiles.shape[:2]
            flat = tiles.tiles.reshape(count * inputs, *tiles.tiles.shape[2:])
            bound = float(np.abs(flat).max()) or 1.0
            self.grid.set_tiles((flat / bound + 1) / 2, "diverging", columns=inputs)
            what = f"one row per filter, one tile per input channel ({inputs}); blue negative, red positive"
        self.note.setText("; ".join(filter(None, [what, tiles.note])))

    def export_arrays(self) -> dict[str, np.ndarray]:
        layer = self.layer_combo.currentData()
        return {f"{layer}_kernel": np.asarray(self.data.kernels[layer])} if layer in self.data.kernels else {}


class AttentionTab(InspectionTab):
    """Score matrices per head (query x key), rollout across layers, and a chosen patch's attention drawn over
    the image for models built from image patches."""

    view_key = "attention"
    ROLLOUT = "__rollout__"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(26)
        self.head_combo = QComboBox()
        self.head_combo.setMinimumContentsLength(18)
        self.heads = TileGrid()
        self.matrix = Heatmap()
        self.overlay = OverlayImage()
        self.patch_hint = QLabel("Click a patch of the image to see where it looks.")
        self.patch_token: int | None = None
        controls = _control_row("Layer", self.layer_combo, "Head", self.head_combo)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.patch_hint)
        right_layout.addWidget(self.overlay, 1)
        self.right = right
        self.splitter = QSplitter()
        self.views = QStackedWidget()
        self.views.addWidget(self.matrix)
        self.views.addWidget(self.heads)
        self.splitter.addWidget(self.views)
        self.splitter.addWidget(right)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.splitter, 1)
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())
        self.head_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())
        self.overlay.clicked.connect(self._patch_clicked)

    def _scores(self, layer: str) -> list[np.ndarray]:
        return [attention_scores(self.data.outputs, layer_id).astype(np.float32)
                for layer_id in (self.data.attention_ids if layer == self.ROLLOUT else [layer])]

    def current_matrix(self) -> np.ndarray | None:
        layer = self.layer_combo.currentData()
        if layer is None:
            return None
        scores = self._scores(layer)
        if layer == self.ROLLOUT:
            return attention_rollout(scores)
        head = self.head_combo.currentData()
        return scores[0].mean(axis=0) if head in (None, -1, -2) else scores[0][head]

    def draw(self) -> None:
        data = self.data
        ids = [layer_id for layer_id in data.attention_ids if layer_id + SCORES_SUFFIX in data.outputs]
        if not ids:
            self.explain("Attention scores appear once the model has a MultiHeadAttention or Attention layer.")
            return
        items = [(f"{layer_id} · {data.layer_types.get(layer_id, '')}", layer_id) for layer_id in ids]
        shapes = {data.outputs[i + SCORES_SUFFIX].shape[-2:] for i in ids}
        if len(ids) > 1 and len(shapes) == 1 and len(set(next(iter(shapes)))) == 1:  # self-attention, one size
            items.append(("Rollout across all layers", self.ROLLOUT))
        _combo_items(self.layer_combo, items)
        layer = self.layer_combo.currentData()
        heads = 1 if layer == self.ROLLOUT else self._scores(layer)[0].shape[0]
        _combo_items(self.head_combo, [("Mean of heads", -1), ("All heads side by side", -2)]
                     + [(f"Head {h + 1}", h) for h in range(heads)])
        self.head_combo.setEnabled(layer != self.ROLLOUT)
        matrix = self.current_matrix()
        tokens = self._token_labels(matrix.shape[1])
        if self.head_combo.currentData() == -2 and layer != self.ROLLOUT:
            scores = self._scores(layer)[0]
            self.heads.set_tiles(scores / max(float(scores.max()), 1e-9), "viridis",
                                 [f"head {h + 1}" for h in range(len(scores))])
            self.views.setCurrentWidget(self.heads)
        else:
            title = "Attention rollout" if layer == self.ROLLOUT else f"{layer}: attention weights"
            self.matrix.set_matrix(matrix, "viridis", title, row_labels=tokens, col_labels=tokens,
                                   row_title="query", col_title="key")
            self.views.setCurrentWidget(self.matrix)
        self._draw_patch(matrix)

    def _token_labels(self, count: int) -> list[str] | None:
        source = self.data.input
        if source is None or source.sample.ndim != 1 or len(source.sample) != count:
            return None
        return [str(int(token)) for token in source.sample]

    def patch_grid(self, tokens: int) -> PatchGrid | None:
        source = self.data.input
        if source is None or source.sample.ndim != 3:
            return None
        return patch_grid(tokens, source.sample.shape[0], source.sample.shape[1])

    def _draw_patch(self, matrix: np.ndarray) -> None:
        grid = self.patch_grid(matrix.shape[1])
        self.right.setVisible(grid is not None)
        if grid is None:
            return
        tokens = range(grid.offset, grid.offset + grid.rows * grid.cols)
        token = self.patch_token if self.patch_token in tokens else grid.patch_at(0.5, 0.5)
        self.overlay.set_image(self.data.input.original)
        self.overlay.set_overlay(patch_attention(matrix, grid, token), "inferno", 0.6)
        self.overlay.set_marker(grid.rect01(token))
        self.patch_hint.setText(f"Patch {token - grid.offset + 1} of {grid.rows * grid.cols} "
                                f"({grid.rows}x{grid.cols}): where it looks. Click another patch.")

    def _patch_clicked(self, x01: float, y01: float) -> None:
        matrix = self.current_matrix()
        grid = self.patch_grid(matrix.shape[1]) if matrix is not None else None
        if grid is not None:
            self.patch_token = grid.patch_at(x01, y01)
            self._draw_patch(matrix)

    def export_arrays(self) -> dict[str, np.ndarray]:
        matrix = self.current_matrix()
        return {"attention": matrix} if matrix is not None else {}


class PredictionsTab(InspectionTab):
    """Top-k classes, Grad-CAM over the image and input-gradient saliency."""

    cam_requested = Signal(str, object)  # layer id, class index or None (the predicted one)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = TopKBars()
        self.cam_layer_combo = QComboBox()
        self.class_combo = QComboBox()
        self.cam = OverlayImage()
        self.saliency = OverlayImage()
        self.cam_note = QLabel()
        self.cam_note.setWordWrap(True)
        controls = _control_row("Grad-CAM layer", self.cam_layer_combo, "for class", self.class_combo)
        images = QHBoxLayout()
        for title, view in (("Grad-CAM: where the chosen layer looked", self.cam),
                            ("Saliency: pixels that move the score most", self.saliency)):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(view, 1)
            images.addLayout(column, 1)
        left = QVBoxLayout()
        self.bars_title = QLabel("Top classes")
        left.addWidget(self.bars_title)
        left.addWidget(self.bars)
        left.addStretch(1)
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        right.addLayout(controls)
        right.addLayout(images, 1)
        right.addWidget(self.cam_note)
        layout.addLayout(right, 2)
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
        _combo_items(self.class_combo, [("the predicted class", None)] + [(n, i) for i, n in enumerate(labels)])
        _combo_items(self.cam_layer_combo, [(layer, layer) for layer in data.cam_layers])
        if data.cam_layer and data.cam is not None:  # the layer these numbers are of
            self.cam_layer_combo.blockSignals(True)
            self.cam_layer_combo.setCurrentIndex(max(0, self.cam_layer_combo.findData(data.cam_layer)))
            self.cam_layer_combo.blockSignals(False)
        image = data.input.original if data.input is not None and data.input.original.ndim in (2, 3) else None
        notes = []
        for view, heat, key in ((self.cam, data.cam, "grad_cam"), (self.saliency, data.saliency, "saliency")):
            if image is not None:
                view.set_image(image)
            view.set_overlay(heat, "inferno", 0.5)
            if heat is None:
                notes.append(data.unavailable.get(key) or ("Grad-CAM and saliency are computed for the trained "
                                                           "or untrained model when training is not running."
                                                           if key == "grad_cam" else ""))
        if data.predicted_class is not None and data.cam is not None:
            chosen = self.class_combo.currentData()
            target = labels[chosen if chosen is not None else data.predicted_class]
            notes.insert(0, f"Grad-CAM of {data.cam_layer} for '{target}'.")
        self.cam_note.setText(" ".join(n for n in notes if n))

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


TABS: list[tuple[str, type[InspectionTab]]] = [
    ("Feature maps", FeatureMapsTab), ("Overview", OverviewTab), ("Filters", FiltersTab),
    ("Attention", AttentionTab), ("Predictions", PredictionsTab), ("Decision boundary", BoundaryTab),
]
