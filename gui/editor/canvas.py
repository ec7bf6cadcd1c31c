"""The model canvas: layer cards laid out top to bottom, edited by dragging.

- a palette item dropped on a connection inserts the layer there, on a card's lower / upper half after /
  before it, on an output port as a new branch, on empty space at the end of the chain (or as its start);
- dragging a card moves it within the stack (drop it on a connection); dragging from an output port to an
  input port connects the two (skip connections, attention's query / value / key);
- Ctrl+wheel or a pinch zooms, the wheel and the middle button pan, Ctrl+0 fits the model to the view.

The view edits only through `ProjectDocument.edit` (so every change is one undo step) and redraws from the
document's `spec_changed` / `validated` signals.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QWidget

from gui.document import ProjectDocument
from gui.editor.canvas_compare import CanvasComparison
from gui.editor.canvas_edits import CanvasEdits
from gui.editor.canvas_groups import VERTEX_PREFIX, CanvasGroups
from gui.editor.canvas_items import CARD_HEIGHT, CARD_WIDTH, DropIndicator, EdgeItem, NodeItem
from gui.editor.canvas_menu import canvas_menu
from gui.editor.canvas_zoom import CanvasZoom
from gui.editor.group_items import GROUP_COLOR, GroupFrame, GroupItem
from gui.editor.minimap import Minimap
from gui.editor.palette import LAYER_MIME, category_color
from models.graph.catalog import CATALOG
from models.graph.edits import (
    DropTarget,
)
from models.graph.layout import layered_layout
from models.graph.project import FILE_SUFFIX, KERAS_SUFFIXES
from models.graph.spec import ModelSpec

log = logging.getLogger(__name__)

COLUMN_STEP = CARD_WIDTH + 50
ROW_STEP = CARD_HEIGHT + 46


def project_file_from(mime: QMimeData) -> str | None:
    """The first local project (`.json`) or Keras model file a drag carries (dropped on the window), or None."""
    for url in mime.urls() if mime.hasUrls() else []:
        path = url.toLocalFile()
        if path.endswith(FILE_SUFFIX) or path.endswith(".json") or Path(path).suffix.lower() in KERAS_SUFFIXES:
            return path
    return None


class CanvasView(CanvasEdits, CanvasZoom, QGraphicsView):
    """Signals: `selection_changed(list of ids)`, `message(str)` for the status bar,
    `project_file_dropped(path)`."""

    selection_changed = Signal(list)
    message = Signal(str)
    project_file_dropped = Signal(str)

    EMPTY_HINT = ("Your model goes here\n\nDrag layers from the palette on the left (start with Input),\n"
                  "or choose File ▸ New… to start from a template.")

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None, empty_hint: str = "") -> None:
        super().__init__(parent)
        self.document = document
        self.empty_hint = empty_hint or self.EMPTY_HINT
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setAcceptDrops(True)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self.nodes: dict[str, NodeItem] = {}
        self.health: dict = {}  # node id: CardHealth of the run shown
        self.edges: list[EdgeItem] = []
        self.indicator = DropIndicator()
        self.scene().addItem(self.indicator)
        self.groups = CanvasGroups(self.scene())
        self.overview = Minimap(self.viewport())
        self.comparison = CanvasComparison(self)
        self.overview.moved_to.connect(self.centerOn)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._frame_overview)
            bar.rangeChanged.connect(self._frame_overview)
        self._press: tuple[str, NodeItem, QPointF] | None = None  # (mode, item, scene pos) of a drag
        self._moving = False
        self._panning: QPointF | None = None
        self._last_selection: list[str] = []
        self.scene().selectionChanged.connect(self._emit_selection)
        document.spec_changed.connect(self.sync)
        document.project_replaced.connect(self.comparison.stop)
        document.validated.connect(self.show_report)
        self.sync([])
        self.show_report(document.report)

    # ----- model -> items ------------------------------------------------------------------------
    def sync(self, select: list[str]) -> None:
        """Bring cards and connections in line with the spec: reuse cards, add new ones, drop stale ones."""
        spec = self.document.spec
        self.scene().blockSignals(True)
        for node_id in [n for n in self.nodes if n not in spec.nodes]:
            self.scene().removeItem(self.nodes.pop(node_id))
        for node_id, node in spec.nodes.items():
            item = self.nodes.get(node_id)
            if item is None or item.type_name != node.type:
                if item is not None:
                    self.scene().removeItem(item)
                item = self.nodes[node_id] = NodeItem(node, spec.shared.get(node_id))
                item.set_health(self.health.get(node_id))
                self.scene().addItem(item)
            else:
                item.update_node(node, spec.shared.get(node_id))
                if item.health is None:
                    self.health.pop(node_id, None)  # an edited layer's health is not shown again
        self.groups.update(spec)
        if select:
            self.groups.open_for(select)
        self._relayout()
        if select:
            for item in self.nodes.values():
                item.setSelected(item.node_id in select)
        self.scene().blockSignals(False)
        self.comparison.refresh()
        if select:
            self.ensureVisible(self.nodes[select[0]], 40, 40)
        self._emit_selection()

    def _relayout(self) -> None:
        """Place the cards of layers and of collapsed groups, the frames of open groups and the connections."""
        spec = self.document.spec
        drawn_as = self.groups.drawn_as()
        positions = {vertex: (place.column * COLUMN_STEP, place.row * ROW_STEP)
                     for vertex, place in layered_layout(spec, drawn_as).items()}
        for node_id, item in self.nodes.items():
            if node_id in drawn_as:
                item.setSelected(False)
                item.hide()
            else:
                item.show()
                if node_id in positions:
                    item.setPos(*positions[node_id])
        self.groups.place(positions, spec, self.document.report)
        self.groups.frame({node_id: item.mapRectToScene(item.card_rect()) for node_id, item in self.nodes.items()
                           if node_id not in drawn_as})
        self._sync_edges(spec, drawn_as)
        model_rect = self._model_rect()
        self.setSceneRect(model_rect.adjusted(-400, -300, 400, 300) if self.nodes else QRectF(0, 0, 1, 1))
        cards = [(item.mapRectToScene(item.card_rect()), category_color(CATALOG[item.type_name].category))
                 for item in self.nodes.values() if item.isVisible() and item.type_name in CATALOG]
        cards += [(card.mapRectToScene(card.card_rect()), GROUP_COLOR) for card in self.groups.cards.values()
                  if card.isVisible()]
        self.overview.set_cards(model_rect, cards)
        self._frame_overview()

    def _frame_overview(self, *_args) -> None:
        self.overview.set_visible_rect(self.mapToScene(self.viewport().rect()).boundingRect())

    def set_overview_shown(self, shown: bool) -> None:
        """View ▸ Overview: the miniature in the corner (it still hides itself while the model fits)."""
        self.overview.enabled_by_user = shown
        self._frame_overview()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.overview.place()
        self.comparison.place()
        self._frame_overview()

    def _drawn(self, node_id: str, drawn_as: dict[str, str]) -> NodeItem | GroupItem:
        """The card a layer is drawn on: its own, or its collapsed group's."""
        if node_id in drawn_as:
            return self.groups.cards[drawn_as[node_id].removeprefix(VERTEX_PREFIX)]
        return self.nodes[node_id]

    def _sync_edges(self, spec: ModelSpec, drawn_as: dict[str, str]) -> None:
        wanted = []
        shown: set[tuple[str, str]] = set()
        for node in spec.nodes.values():
            for port, source in enumerate(node.inputs):
                if source not in self.nodes:
                    continue
                ends = (drawn_as.get(source, source), drawn_as.get(node.id, node.id))
                if ends[0] == ends[1] or (ends in shown and (source in drawn_as or node.id in drawn_as)):
                    continue  # inside a collapsed group, or one more line between the same two cards
                shown.add(ends)
                wanted.append((source, node.id, port))
        while len(self.edges) > len(wanted):
            self.scene().removeItem(self.edges.pop())
        while len(self.edges) < len(wanted):
            edge = EdgeItem("", "", 0)
            self.scene().addItem(edge)
            self.edges.append(edge)
        for edge, (source, target, port) in zip(self.edges, wanted, strict=True):
            edge.source, edge.target, edge.port = source, target, port
            start = self._drawn(source, drawn_as).output_port_scene_pos()
            end = self._drawn(target, drawn_as).input_port_scene_pos(port)
            skip = end.y() - start.y() > ROW_STEP and abs(end.x() - start.x()) < CARD_WIDTH / 2
            edge.set_ends(start, end, skip)

    def show_report(self, report) -> None:
        for node_id, item in self.nodes.items():
            item.update_report(report.nodes.get(node_id))
        self.groups.refresh_facts(self.document.spec, report)

    def show_health(self, history) -> None:
        """Every layer's health in the run shown (a HealthHistory, live or kept with a run; None clears)."""
        from gui.editor.card_health import card_health_from

        self.health = card_health_from(history)
        for node_id, item in self.nodes.items():
            item.set_health(self.health.get(node_id))

    # ----- groups ------------------------------------------------------------------------------------------
    def set_group_collapsed(self, name: str, collapsed: bool) -> None:
        """Collapse or open one group, keeping it where it was on screen."""
        anchor = self._group_anchor(name)
        if self.groups.set_collapsed(name, collapsed):
            self._relayout_keeping(anchor, name)

    def set_all_groups_collapsed(self, collapsed: bool) -> None:
        if self.groups.set_all(collapsed):
            self._relayout()
            self.show_model()

    def _group_anchor(self, name: str) -> QPointF | None:
        """Where on screen the group is now (its card, or its first layer when open)."""
        card = self.groups.cards.get(name)
        if card is not None and card.isVisible():
            return self.mapFromScene(card.scenePos())
        group = self.groups.group_named(name)
        first = self.nodes.get(group.members[0]) if group else None
        return self.mapFromScene(first.scenePos()) if first is not None and first.isVisible() else None

    def _relayout_keeping(self, anchor: QPointF | None, name: str) -> None:
        self.scene().blockSignals(True)
        self._relayout()
        self.scene().blockSignals(False)
        self._emit_selection()
        after = self._group_anchor(name)
        if anchor is not None and after is not None:  # the block stays under the pointer, the rest moves
            delta = after - anchor
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())

    # ----- selection -------------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """Selected layers, the layers of selected collapsed groups included."""
        return [item.node_id for item in self.nodes.values() if item.isSelected()] + self.groups.selected_members()

    def select(self, node_ids: list[str]) -> None:
        """Select these layers, opening the collapsed groups they are in."""
        self.scene().blockSignals(True)
        if self.groups.open_for(node_ids):
            self._relayout()
        for card in self.groups.cards.values():
            card.setSelected(False)
        for item in self.nodes.values():
            item.setSelected(item.node_id in node_ids)
        self.scene().blockSignals(False)
        if node_ids and node_ids[0] in self.nodes:  # brought into view only when it is not (never a jump)
            self.ensureVisible(self.nodes[node_ids[0]], 40, 40)
        self._emit_selection()

    def select_all(self) -> None:
        self.select(list(self.nodes))

    def _emit_selection(self) -> None:
        """Only real changes: a redraw after an edit that keeps the selection must not re-announce it."""
        selected = self.selected_ids()
        if selected != self._last_selection:
            self._last_selection = selected
            self.selection_changed.emit(selected)

    # ----- empty state --------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if self.nodes:
            return
        painter = QPainter(self.viewport())
        color = self.palette().text().color()
        color.setAlpha(140)
        painter.setPen(color)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self.empty_hint)
        painter.end()

    # ----- zoom (the rest in canvas_zoom) ---------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.0015 ** event.angleDelta().y())
            event.accept()
            return
        super().wheelEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.NativeGesture and isinstance(event, QNativeGestureEvent):
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + event.value())
                return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                self.zoom_by(pinch.scaleFactor())
                return True
        return super().viewportEvent(event)

    # ----- palette drops and file drops ----------------------------------------------------------------
    def drop_target_at(self, scene_pos: QPointF) -> DropTarget:
        """What a layer dropped at `scene_pos` would do (also drives the drop indicator)."""
        if not self.nodes:
            return DropTarget("start")
        shown = [item for item in self.nodes.values() if item.isVisible()]
        for item in shown:
            if item.hit_port(scene_pos) == ("out", 0):
                return DropTarget("branch", item.node_id)
        for item in shown:
            if item.sceneBoundingRect().contains(scene_pos) and \
                    item.mapRectToScene(item.card_rect()).contains(scene_pos):
                lower = item.mapFromScene(scene_pos).y() > CARD_HEIGHT / 2
                is_input = CATALOG[item.type_name].is_input
                return DropTarget("after" if lower or is_input else "before", item.node_id)
        for edge in self.edges:
            if edge.near(scene_pos) and not self._inside_collapsed(edge):
                return DropTarget("between", edge.source, edge.target, edge.port)
        return DropTarget("append")

    def _inside_collapsed(self, edge: EdgeItem) -> bool:
        """A line into or out of a collapsed group: a layer dropped on it would land inside the hidden block."""
        drawn_as = self.groups.drawn_as()
        return edge.source in drawn_as or edge.target in drawn_as

    def _show_indicator(self, target: DropTarget, scene_pos: QPointF) -> None:
        if target.kind == "start":
            self.indicator.show_card(scene_pos)
        elif target.kind == "between":
            edge = next(e for e in self.edges if (e.source, e.target, e.port) ==
                        (target.node, target.target, target.port))
            self.indicator.show_bar(edge.midpoint())
        elif target.kind == "branch":
            self.indicator.show_ring(self.nodes[target.node].output_port_scene_pos())
        elif target.kind in ("after", "before"):
            item = self.nodes[target.node]
            y = CARD_HEIGHT + 12 if target.kind == "after" else -12
            self.indicator.show_bar(item.mapToScene(QPointF(CARD_WIDTH / 2, y)))
        elif target.kind == "append":
            item = self.nodes[(self.document.spec.output_ids() or list(self.nodes))[-1]]
            self.indicator.show_bar(item.mapToScene(QPointF(CARD_WIDTH / 2, CARD_HEIGHT + 12)))
        else:
            self.indicator.hide()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(LAYER_MIME) or project_file_from(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(LAYER_MIME):
            scene_pos = self.mapToScene(event.position().toPoint())
            self._show_indicator(self.drop_target_at(scene_pos), scene_pos)
            event.acceptProposedAction()
        elif project_file_from(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.indicator.hide()
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        self.indicator.hide()
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            type_name = bytes(mime.data(LAYER_MIME)).decode()
            if type_name not in CATALOG:
                event.ignore()
                return
            target = self.drop_target_at(self.mapToScene(event.position().toPoint()))
            self.add_layer(type_name, target)
            event.acceptProposedAction()
            self.setFocus()
            return
        path = project_file_from(mime)
        if path:
            event.acceptProposedAction()
            self.project_file_dropped.emit(path)
            return
        event.ignore()

    # ----- moving cards and drawing connections ----------------------------------------------------------
    def _item_at(self, scene_pos: QPointF) -> NodeItem | None:
        for item in self.scene().items(scene_pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def _group_at(self, scene_pos: QPointF) -> GroupItem | GroupFrame | None:
        for item in self.scene().items(scene_pos):
            if isinstance(item, GroupItem) or (isinstance(item, GroupFrame) and item.header_rect().contains(scene_pos)):
                return item
            if isinstance(item, NodeItem) and item.mapRectToScene(item.card_rect()).contains(scene_pos):
                return None  # a layer's card lies on top
        return None

    def _port_at(self, scene_pos: QPointF) -> tuple[NodeItem, tuple[str, int]] | None:
        for item in self.nodes.values():
            if not item.isVisible():
                continue
            port = item.hit_port(scene_pos)
            if port:
                return item, port
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        scene_pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self._port_at(scene_pos)
            if hit and hit[1] == ("out", 0):
                self._press = ("connect", hit[0], scene_pos)
                event.accept()
                return
            if self._toggle_group_at(scene_pos):  # before cards: an open group's header lies above its first
                event.accept()
                return
            item = self._item_at(scene_pos)
            if item is not None and item.has_fix() and \
                    item.mapRectToScene(item.fix_rect()).contains(scene_pos):
                self._fix_clicked(item, event.globalPosition().toPoint())
                event.accept()
                return
            if item is not None:
                self._press = ("move", item, scene_pos)
        super().mousePressEvent(event)

    def _toggle_group_at(self, scene_pos: QPointF) -> bool:
        """A click on a group card's ▸ opens it; one on an open group's header closes it."""
        group = self._group_at(scene_pos)
        if isinstance(group, GroupFrame):
            self.set_group_collapsed(group.group.name, True)
            return True
        if isinstance(group, GroupItem) and group.mapRectToScene(group.toggle_rect()).contains(scene_pos):
            self.set_group_collapsed(group.group.name, False)
            return True
        return False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        group = self._group_at(self.mapToScene(event.position().toPoint()))
        if isinstance(group, GroupItem):
            self.set_group_collapsed(group.group.name, False)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            return
        if self._press is None:
            super().mouseMoveEvent(event)
            return
        mode, item, start = self._press
        scene_pos = self.mapToScene(event.position().toPoint())
        if mode == "connect":
            self.indicator.show_line(item.output_port_scene_pos(), scene_pos)
            return
        if not self._moving and (scene_pos - start).manhattanLength() < QApplication.startDragDistance():
            return
        if not self._moving:
            self._moving = True
            self._move_origin = item.pos()
            item.setZValue(5)
        item.setPos(self._move_origin + scene_pos - start)
        target = self._move_target(item, scene_pos)
        if target:
            self.indicator.show_bar(target.midpoint())
        else:
            self.indicator.hide()

    def _move_target(self, item: NodeItem, scene_pos: QPointF) -> EdgeItem | None:
        """The connection a dragged card would be moved into (not one touching the card itself)."""
        for edge in self.edges:
            if item.node_id not in (edge.source, edge.target) and edge.near(scene_pos):
                return edge
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._panning is not None:
            self._panning = None
            self.viewport().unsetCursor()
            return
        press, moving = self._press, self._moving
        self._press, self._moving = None, False
        self.indicator.hide()
        if press is None:
            super().mouseReleaseEvent(event)
            return
        mode, item, _start = press
        scene_pos = self.mapToScene(event.position().toPoint())
        if mode == "connect":
            self._finish_connect(item.node_id, scene_pos)
            return
        super().mouseReleaseEvent(event)
        if not moving:
            return
        item.setZValue(0)
        edge = self._move_target(item, scene_pos)
        node_id = item.node_id
        if edge is None or not self.document.edit(
                f"Move {node_id}",
                lambda spec, s=edge.source, t=edge.target, p=edge.port: spec.move_between(node_id, s, t, p) or True,
                select=lambda _: [node_id]):
            self.sync([])  # no valid place: the card goes back

    def _finish_connect(self, source: str, scene_pos: QPointF) -> None:
        hit = self._port_at(scene_pos)
        if hit and hit[1][0] == "in":
            target, port = hit[0].node_id, hit[1][1]
        else:
            item = self._item_at(scene_pos)
            if item is None or item.node_id == source:
                return
            if CATALOG[item.type_name].ports:
                self.message.emit(f"Drop on one of {item.node_id}'s ports: {', '.join(item.port_names())}")
                return
            target, port = item.node_id, 0
        kind = CATALOG[self.document.spec.node(target).type]
        port_index = port if kind.ports else None

        def connect(spec: ModelSpec) -> bool:
            spec.connect(source, target, port_index)
            return True

        if self.document.edit(f"Connect {source} → {target}", connect, select=lambda _: [target]):
            self.message.emit(f"Connected {source} to {target}")

    # ----- context menu --------------------------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        scene_pos = self.mapToScene(event.pos())
        item = self._item_at(scene_pos)
        group = self._group_at(scene_pos)
        if item is not None and not item.isSelected():
            self.select([item.node_id])
        menu = canvas_menu(self, item.node_id if item is not None else None,
                           group.group.name if group is not None and item is None else None)
        menu.exec(event.globalPos())
        menu.deleteLater()

