"""What the canvas draws: layer cards with ports, connection curves, and the drop indicator.

Items hold no model state beyond what they paint; the canvas view updates them from the document.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from gui.editor.card_health import SPARK_WIDTH, CardHealth, paint_card_health
from gui.editor.palette import category_color
from gui.widgets.colors import ERROR
from models.checks.shapes import fmt
from models.checks.validate import NodeReport
from models.formatting import count_text
from models.graph.catalog import CATALOG
from models.graph.describe import layer_summary
from models.graph.spec import LayerNode

CARD_WIDTH = 270.0
CARD_HEIGHT = 54.0
PORT_RADIUS = 5.0
ERROR_COLOR = QColor(ERROR)
WARNING_COLOR = QColor("#f9a825")
ACCENT = QColor("#1e88e5")
DIFF_COLORS = {"added": QColor("#2e7d32"), "changed": QColor("#ef6c00")}  # green 800, orange 800


SIMPLE_BELOW_SCALE = 0.35  # below this zoom a card is drawn as its outline and category stripe only


class NodeItem(QGraphicsItem):
    """A layer card: colour stripe for the category, summary line, id, output shape and parameter count.

    A node with an error gets a red edge and icon; the message is the tooltip and, where validation offers
    one, a "Fix" button sits on the card.
    """

    def __init__(self, node: LayerNode, shares: str | None = None) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.node_id = node.id
        self.type_name = node.type
        self.summary = ""
        self.shape_text = ""
        self.problem = None
        self.diff: tuple[str, list[str]] | None = None  # ("added" | "changed", lines) against a compared run
        self.health: CardHealth | None = None  # the layer's health in the run shown (every N steps)
        self._base_tip = ""
        self.update_node(node, shares)

    # ----- content ----------------------------------------------------------------------------------
    def update_node(self, node: LayerNode, shares: str | None = None) -> None:
        """`shares`: the layer this one calls again (shared weights), said on the card."""
        summary = layer_summary(node) + (f" · same layer as {shares}" if shares else "")
        if summary != self.summary:
            if self.summary and self.health is not None:  # edited since the run: its health was another layer's
                self.health = None
                self._show_tip()
            self.summary = summary
            self.update()

    def update_report(self, report: NodeReport | None) -> None:
        if report is None or report.output_shape is None:
            shape_text = "?"
        else:
            shape_text = fmt(report.output_shape)
            if report.params:
                shape_text += f" · {count_text(report.params)} params"
        errors = [p for p in (report.problems if report else []) if p.severity == "error"]
        problem = errors[0] if errors else next(iter(report.problems), None) if report else None
        if shape_text != self.shape_text or problem != self.problem:
            self.shape_text = shape_text
            self.problem = problem
            tip = f"<b>{self.summary}</b><br>{self.node_id} → {shape_text}"
            if report:
                tip += "".join(f"<br><span style='color:{ERROR_COLOR.name() if p.severity == 'error' else '#b8860b'}'>"
                               f"{p.message}</span>" for p in report.problems)
                tip += "".join(f"<br><i>Fix: {fix.label}</i>" for p in report.problems for fix in p.fixes)
            self._base_tip = tip
            self._show_tip()
            self.update()

    def set_diff(self, diff: tuple[str, list[str]] | None) -> None:
        """Mark the card as added or changed against a compared run (None: no mark)."""
        if diff != self.diff:
            self.diff = diff
            self._show_tip()
            self.update()

    def set_health(self, health: CardHealth | None) -> None:
        """The layer's health in the run shown (None: none measured)."""
        if health != self.health:
            self.health = health
            self._show_tip()
            self.update()

    def _show_tip(self) -> None:
        extra = ""
        if self.diff is not None:
            status, lines = self.diff
            extra = f"<br><b>{status} against the compared run</b>" + "".join(f"<br>{line}" for line in lines)
        if self.health is not None:
            extra += self.health.tooltip()
        self.setToolTip(self._base_tip + extra)

    def diff_tag(self) -> str:
        """The words above a marked card: "added", or the first change ("units: 32 → 64")."""
        if self.diff is None:
            return ""
        status, lines = self.diff
        if status != "changed" or not lines:
            return status
        return lines[0] + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")

    # ----- geometry ---------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(-PORT_RADIUS - 2, -PORT_RADIUS - 14, CARD_WIDTH + 2 * PORT_RADIUS + 4,
                      CARD_HEIGHT + 2 * PORT_RADIUS + 18)

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)

    def port_names(self) -> list[str]:
        """Input ports left to right: the catalog's named ports, one port for other layers, none for Input."""
        kind = CATALOG.get(self.type_name)
        if kind is None or kind.is_input:
            return []
        return list(kind.ports) or ["in"]

    def input_port_pos(self, index: int) -> QPointF:
        """Local position of input port `index` (merge layers share one port)."""
        names = self.port_names()
        count = max(len(names), 1)
        index = min(index, count - 1)
        return QPointF(CARD_WIDTH * (index + 1) / (count + 1), 0.0)

    def output_port_pos(self) -> QPointF:
        return QPointF(CARD_WIDTH / 2, CARD_HEIGHT)

    def fix_rect(self) -> QRectF:
        return QRectF(CARD_WIDTH - 44, CARD_HEIGHT - 22, 38, 17)

    def has_fix(self) -> bool:
        return self.problem is not None and bool(self.problem.fixes)

    def hit_port(self, scene_pos: QPointF) -> tuple[str, int] | None:
        """('out', 0) or ('in', port index) when `scene_pos` is on a port (generous radius for the mouse)."""
        local = self.mapFromScene(scene_pos)
        reach = PORT_RADIUS * 2.4
        if _distance(local, self.output_port_pos()) <= reach:
            return ("out", 0)
        for index in range(len(self.port_names())):
            if _distance(local, self.input_port_pos(index)) <= reach:
                return ("in", index)
        return None

    # ----- painting ---------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        palette = widget.palette() if widget else None
        base = palette.base().color() if palette else QColor("white")
        text = palette.text().color() if palette else QColor("black")
        muted = QColor(text)
        muted.setAlpha(150)
        rect = self.card_rect()
        kind = CATALOG.get(self.type_name)
        stripe = category_color(kind.category) if kind else QColor("gray")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        border = QColor(muted)
        width = 1.0
        if self.problem is not None:
            border = ERROR_COLOR if self.problem.severity == "error" else WARNING_COLOR
            width = 2.0
        if self.diff is not None:
            border, width = DIFF_COLORS[self.diff[0]], 3.0
        if self.isSelected():
            border, width = ACCENT, 2.5
        painter.setPen(QPen(border, width))
        painter.setBrush(base)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(stripe)
        painter.drawRoundedRect(QRectF(0, 0, 7, CARD_HEIGHT), 3, 3)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < SIMPLE_BELOW_SCALE:
            return  # zoomed far out (a 771-layer graph fitted): text would be a few unreadable pixels

        badge_room = 30 if self.problem is not None else 10
        if self.health is not None:
            paint_card_health(painter, self.health, rect, CARD_WIDTH - badge_room)
            badge_room += SPARK_WIDTH + 6
        font = QFont(painter.font())
        font.setPointSizeF(9.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text)
        title_width = CARD_WIDTH - 14 - badge_room
        title = QFontMetricsF(font).elidedText(self.summary, Qt.TextElideMode.ElideRight, title_width)
        painter.drawText(QRectF(14, 6, title_width, 20), Qt.AlignmentFlag.AlignVCenter, title)
        # second line: the layer's name (muted) on the left, its output shape and parameters on the right
        font.setBold(False)
        font.setPointSizeF(8.5)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        shape_right = CARD_WIDTH - (52 if self.has_fix() else 10)
        shape_width = min(metrics.horizontalAdvance(self.shape_text) + 2, shape_right - 14 - 40)
        id_width = shape_right - 14 - shape_width - 8
        painter.drawText(QRectF(shape_right - shape_width, 28, shape_width, 20),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         metrics.elidedText(self.shape_text, Qt.TextElideMode.ElideLeft, shape_width))
        painter.setPen(muted)
        painter.drawText(QRectF(14, 28, id_width, 20), Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(self.node_id, Qt.TextElideMode.ElideMiddle, id_width))

        if self.problem is not None:
            self._paint_problem_badge(painter)
        if self.diff is not None:
            self._paint_diff_tag(painter)
        self._paint_ports(painter, muted)

    def _paint_diff_tag(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        text = metrics.elidedText(self.diff_tag(), Qt.TextElideMode.ElideRight, CARD_WIDTH / 2 - 34)  # left of the port
        box = QRectF(12, -13, metrics.horizontalAdvance(text) + 10, 12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(DIFF_COLORS[self.diff[0]])
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_problem_badge(self, painter: QPainter) -> None:
        color = ERROR_COLOR if self.problem.severity == "error" else WARNING_COLOR
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QRectF(CARD_WIDTH - 24, 8, 16, 16))
        painter.setPen(QColor("white"))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(CARD_WIDTH - 24, 8, 16, 16), Qt.AlignmentFlag.AlignCenter, "!")
        if self.has_fix():
            painter.setBrush(color)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(self.fix_rect(), 8, 8)
            painter.setPen(QColor("white"))
            painter.drawText(self.fix_rect(), Qt.AlignmentFlag.AlignCenter, "Fix")

    def _paint_ports(self, painter: QPainter, color: QColor) -> None:
        painter.setPen(QPen(color, 1.2))
        painter.setBrush(QBrush(QColor("white")))
        names = self.port_names()
        for index, name in enumerate(names):
            position = self.input_port_pos(index)
            painter.drawEllipse(position, PORT_RADIUS, PORT_RADIUS)
            if len(names) > 1:
                painter.drawText(QRectF(position.x() - 30, -18, 60, 12), Qt.AlignmentFlag.AlignCenter, name)
        painter.drawEllipse(self.output_port_pos(), PORT_RADIUS, PORT_RADIUS)

    def input_port_scene_pos(self, index: int) -> QPointF:
        return self.mapToScene(self.input_port_pos(index))

    def output_port_scene_pos(self) -> QPointF:
        return self.mapToScene(self.output_port_pos())


def _distance(a: QPointF, b: QPointF) -> float:
    return ((a.x() - b.x()) ** 2 + (a.y() - b.y()) ** 2) ** 0.5


class EdgeItem(QGraphicsPathItem):
    """A connection from a card's output port to another card's input port, drawn as a smooth curve."""

    def __init__(self, source: str, target: str, port: int) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.port = port
        self.setZValue(-1)
        self.setPen(QPen(QColor(128, 128, 128), 1.6))
        self._hit_path = QPainterPath()

    def set_ends(self, start: QPointF, end: QPointF, skip: bool = False) -> None:
        """`skip`: the connection jumps over cards in its column, so it swings out to the left of them."""
        path = QPainterPath(start)
        bend = max(24.0, abs(end.y() - start.y()) / 2)
        if skip:
            side = min(start.x(), end.x()) - CARD_WIDTH / 2 - 24
            path.cubicTo(QPointF(start.x(), start.y() + 30), QPointF(side, start.y() + 8),
                         QPointF(side, start.y() + 38))
            path.lineTo(QPointF(side, end.y() - 38))
            path.cubicTo(QPointF(side, end.y() - 8), QPointF(end.x(), end.y() - 30), end)
        else:
            path.cubicTo(QPointF(start.x(), start.y() + bend), QPointF(end.x(), end.y() - bend), end)
        self.setPath(path)
        stroker = QPainterPathStroker()
        stroker.setWidth(22)
        self._hit_path = stroker.createStroke(path)

    def near(self, scene_pos: QPointF) -> bool:
        """True when a drop at `scene_pos` is meant for this connection."""
        return self._hit_path.contains(scene_pos)

    def midpoint(self) -> QPointF:
        return self.path().pointAtPercent(0.5)


class DropIndicator(QGraphicsPathItem):
    """Where a drop will land: a bar between cards, or a ring around a port."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(QPen(ACCENT, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        self.setZValue(10)
        self.hide()

    def show_bar(self, center: QPointF, width: float = CARD_WIDTH * 0.8) -> None:
        path = QPainterPath(QPointF(center.x() - width / 2, center.y()))
        path.lineTo(QPointF(center.x() + width / 2, center.y()))
        path.addEllipse(QPointF(center.x() - width / 2, center.y()), 3, 3)
        path.addEllipse(QPointF(center.x() + width / 2, center.y()), 3, 3)
        self.setPath(path)
        self.show()

    def show_card(self, center: QPointF) -> None:
        """An outline of the card a drop on empty space will create."""
        path = QPainterPath()
        path.addRoundedRect(QRectF(center.x() - CARD_WIDTH / 2, center.y() - CARD_HEIGHT / 2,
                                   CARD_WIDTH, CARD_HEIGHT), 6, 6)
        self.setPath(path)
        self.show()

    def show_ring(self, center: QPointF) -> None:
        path = QPainterPath()
        path.addEllipse(center, PORT_RADIUS * 2.2, PORT_RADIUS * 2.2)
        self.setPath(path)
        self.show()

    def show_line(self, start: QPointF, end: QPointF) -> None:
        path = QPainterPath(start)
        path.lineTo(end)
        self.setPath(path)
        self.show()
