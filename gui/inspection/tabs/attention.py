"""Attention: each head's weights, the rollout over layers, and what a patch of an image attends to."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from datasets.generated import key_positions
from gui.inspection.line_plots import LinePlot
from gui.inspection.plots import Heatmap
from gui.inspection.tabs.base import InspectionTab, combo_items, control_row
from gui.inspection.views import OverlayImage, TileGrid
from models.inspection.attention import (
    PatchGrid,
    attention_by_distance,
    attention_rollout,
    attention_scores,
    patch_attention,
    patch_grid,
)
from models.inspection.probe import SCORES_SUFFIX


class AttentionTab(InspectionTab):
    """Score matrices per head (query x key), rollout across layers, and a chosen patch's attention drawn over
    the image for models built from image patches. For token sequences: the weights of this input or averaged
    over the validation set (`average_requested(layer id)`, answered with `show_average`), the tokens the task
    depends on marked with a star, and attention against token distance beside the even spread (1/length)."""

    view_key = "attention"
    ROLLOUT = "__rollout__"
    THIS_INPUT, AVERAGE = "input", "average"
    average_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(26)
        self.head_combo = QComboBox()
        self.head_combo.setMinimumContentsLength(18)
        self.scope_combo = QComboBox()
        self.scope_combo.addItem("This input", self.THIS_INPUT)
        self.scope_combo.addItem("Average over the validation set", self.AVERAGE)
        self.scope_combo.setToolTip("The weights for the input shown, or their mean over the validation samples "
                                    "(measured in a thread)")
        self.averages: dict[str, tuple[np.ndarray, int]] = {}  # layer -> ((heads, queries, keys), samples)
        self.dataset_choice: dict = {}  # the project's dataset {"source", "options"}: which tokens are key
        self.distance = LinePlot("distance between query and key (tokens)", "mean attention weight")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.heads = TileGrid()
        self.matrix = Heatmap()
        self.overlay = OverlayImage()
        self.patch_hint = QLabel("Click a patch of the image to see where it looks.")
        self.patch_token: int | None = None
        controls = control_row("Layer", self.layer_combo, "Head", self.head_combo, self.scope_combo)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.patch_hint)
        right_layout.addWidget(self.overlay, 1)
        self.right = right
        self.tokens_side = QWidget()  # for token sequences: how far attention reaches
        tokens_layout = QVBoxLayout(self.tokens_side)
        tokens_layout.setContentsMargins(0, 0, 0, 0)
        tokens_layout.addWidget(self.summary)
        tokens_layout.addWidget(self.distance, 1)
        self.splitter = QSplitter()
        self.views = QStackedWidget()
        self.views.addWidget(self.matrix)
        self.views.addWidget(self.heads)
        self.splitter.addWidget(self.views)
        self.splitter.addWidget(right)
        self.splitter.addWidget(self.tokens_side)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.splitter, 1)
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())
        self.head_combo.currentIndexChanged.connect(lambda _i: self._draw_safely())
        self.scope_combo.currentIndexChanged.connect(lambda _i: self._scope_changed())
        self.overlay.clicked.connect(self._patch_clicked)

    def _scores(self, layer: str) -> list[np.ndarray]:
        ids = self.data.attention_ids if layer == self.ROLLOUT else [layer]
        if self.averaging():
            return [self.averages[layer_id][0].astype(np.float32) for layer_id in ids]
        return [attention_scores(self.data.outputs, layer_id).astype(np.float32) for layer_id in ids]

    def averaging(self) -> bool:
        """True when the average over the validation set is chosen and measured for the layers shown."""
        layer = self.layer_combo.currentData()
        ids = self.data.attention_ids if layer == self.ROLLOUT else [layer]
        return (self.scope_combo.currentData() == self.AVERAGE and bool(ids)
                and all(layer_id in self.averages for layer_id in ids))

    def _scope_changed(self) -> None:
        layer = self.layer_combo.currentData()
        if self.scope_combo.currentData() == self.AVERAGE and layer is not None:
            for layer_id in (self.data.attention_ids if layer == self.ROLLOUT else [layer]):
                if layer_id not in self.averages:
                    self.summary.setText("Averaging over the validation set…")
                    self.average_requested.emit(layer_id)
        self._draw_safely()

    def show_average(self, layer_id: str, matrix: np.ndarray, samples: int) -> None:
        self.averages[layer_id] = (np.asarray(matrix), int(samples))
        self._draw_safely()

    def forget_averages(self) -> None:
        """The model or its data changed: averages measured before no longer hold."""
        self.averages = {}

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
        combo_items(self.layer_combo, items)
        layer = self.layer_combo.currentData()
        heads = 1 if layer == self.ROLLOUT else self._scores(layer)[0].shape[0]
        combo_items(self.head_combo, [("Mean of heads", -1), ("All heads side by side", -2)]
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
        self._draw_distance(matrix)

    def _token_labels(self, count: int) -> list[str] | None:
        """Token ids, the task's key tokens starred; positions only for the validation average (tokens differ)."""
        source = self.data.input
        if source is None or source.sample.ndim != 1 or len(source.sample) != count:
            return None
        if self.averaging():
            return [str(position) for position in range(count)]
        keys = self.key_positions()
        return [("★" if position in keys else "") + str(int(token)) for position, token in enumerate(source.sample)]

    def key_positions(self) -> list[int]:
        """The positions of the tokens the task depends on, in the input shown (Strata's own sequence tasks)."""
        source = self.data.input
        if source is None or source.sample.ndim != 1:
            return []
        choice = self.dataset_choice or {}
        return key_positions(str(choice.get("source", "")), source.sample, choice.get("options") or {})

    def _draw_distance(self, matrix: np.ndarray) -> None:
        source = self.data.input
        sequence = source is not None and source.sample.ndim == 1 and matrix.shape[0] == matrix.shape[1]
        self.tokens_side.setVisible(sequence)
        if not sequence:
            return
        length = matrix.shape[1]
        profile = attention_by_distance(matrix)
        self.distance.set_lines({"attention": profile}, [str(d) for d in range(len(profile))],
                                (f"evenly spread: 1/{length}", 1.0 / length))
        averaged = self.averaging()
        layer = self.layer_combo.currentData()
        scope = (f"Mean over {self.averages[layer][1]} validation sequences." if averaged and layer in self.averages
                 else "This input.")
        keys = [] if averaged else self.key_positions()
        if len(keys) >= 2:
            query, key = keys[-1], keys[0]
            scope += (f" ★ marks the tokens the answer depends on: the one at position {query} gives "
                      f"{matrix[query, key]:.0%} of its attention to the one at position {key} (evenly spread it "
                      f"would be {1 / length:.0%}).")
        self.summary.setText(scope)

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
