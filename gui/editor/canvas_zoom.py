"""The canvas's zoom: by a factor within bounds, fitted to the model, or opened at a readable size.

A mixin of CanvasView (a QGraphicsView with `nodes`, `edges`, `groups` and `document`).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt

MIN_SCALE, MAX_SCALE = 0.1, 3.0
READABLE_SCALE = 0.9  # a card's smaller 8.5 pt line is then 10 px high: the least a model opens at


class CanvasZoom:
    def zoom_by(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)

    def _model_rect(self) -> QRectF:
        """The cards, group frames and connections shown (not the hidden drop indicator)."""
        rect = QRectF()
        for item in [*self.nodes.values(), *self.edges, *self.groups.visible_items()]:
            if item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def fit_to_view(self) -> None:
        if not self.nodes:
            return
        rect = self._model_rect()
        self.fitInView(rect.adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)
        if not MIN_SCALE <= self.transform().m11() <= 1.2:  # never below what zooming allows, nor blown up
            scale = min(max(self.transform().m11(), MIN_SCALE), 1.0)
            self.resetTransform()
            self.scale(scale, scale)
            self.centerOn(rect.center())

    def show_model(self, readable_scale: float = READABLE_SCALE) -> None:
        """The view after opening a model: all of it if it fits at a readable size, else its top part
        at that size (a 20-layer stack fitted whole would be too small to read)."""
        self.fit_to_view()
        if not self.nodes or self.zoom_level() >= readable_scale:
            return
        self.resetTransform()
        self.scale(readable_scale, readable_scale)
        rect = self._model_rect()
        visible_height = self.viewport().height() / readable_scale
        inputs = [self.nodes[i] for i in self.document.spec.input_ids() if i in self.nodes]
        inputs = [item for item in inputs if item.isVisible()]
        x = inputs[0].sceneBoundingRect().center().x() if inputs else rect.center().x()  # start where data enters
        self.centerOn(QPointF(x, rect.top() + visible_height / 2 - 20))

    def zoom_level(self) -> float:
        return self.transform().m11()
