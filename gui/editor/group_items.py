"""How a group of layers is drawn: collapsed, one card for the whole block (its layer count, the shape it gives
and its parameters); expanded, a light frame around its layers with a header that collapses it again."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gui.editor.canvas_items import ACCENT, CARD_HEIGHT, CARD_WIDTH, PORT_RADIUS, SIMPLE_BELOW_SCALE
from models.checks.shapes import fmt
from models.checks.validate import ValidationReport
from models.formatting import count_text
from models.graph.groups import LayerGroup
from models.graph.spec import ModelSpec

GROUP_COLOR = QColor("#607d8b")
HEADER_HEIGHT = 18.0


def group_facts(group: LayerGroup, spec: ModelSpec, report: ValidationReport | None,
                consumers: dict[str, list[str]]) -> tuple[str, str]:
    """(second line of the card, tooltip): what the block gives, its parameters and what it is made of."""
    members = set(group.members)
    params = sum(report.nodes[m].params for m in group.members if report and m in report.nodes)
    outputs = set(spec.output_ids())
    leaving = [m for m in group.members if m in outputs or any(c not in members for c in consumers.get(m, ()))]
    shapes = [report.nodes[m].output_shape for m in leaving if report and m in report.nodes]
    shape_text = " + ".join(fmt(s) for s in shapes if s is not None) or "?"
    line = f"{len(group.members)} layers · {shape_text}"
    if params:
        line += f" · {count_text(params)} params"
    kinds = Counter(spec.nodes[m].type for m in group.members if m in spec.nodes)
    made_of = ", ".join(f"{kind} ×{count}" if count > 1 else kind for kind, count in kinds.most_common())
    origin = "a model inside the file" if group.origin == "nested" else "a block of the network"
    tip = (f"<b>{group.name}</b> ({origin}): {len(group.members)} layers, {params:,} parameters<br>"
           f"gives {shape_text}<br>{made_of}<br><i>Double-click to open it</i>")
    return line, tip


class GroupItem(QGraphicsItem):
    """A collapsed group: a card like a layer's, drawn as a small stack, with one input and one output port."""

    def __init__(self, group: LayerGroup) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.group = group
        self.line = ""

    def set_facts(self, line: str, tip: str) -> None:
        if line != self.line:
            self.line = line
            self.update()
        self.setToolTip(tip)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(-PORT_RADIUS - 2, -PORT_RADIUS - 2, CARD_WIDTH + 2 * PORT_RADIUS + 10,
                      CARD_HEIGHT + 2 * PORT_RADIUS + 10)

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)

    def toggle_rect(self) -> QRectF:
        """The ▸ that opens the group (a double-click anywhere on the card does too)."""
        return QRectF(10, 6, 20, 20)

    def input_port_scene_pos(self, _index: int = 0) -> QPointF:
        return self.mapToScene(QPointF(CARD_WIDTH / 2, 0))

    def output_port_scene_pos(self) -> QPointF:
        return self.mapToScene(QPointF(CARD_WIDTH / 2, CARD_HEIGHT))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        palette = widget.palette() if widget else None
        base = palette.base().color() if palette else QColor("white")
        text = palette.text().color() if palette else QColor("black")
        muted = QColor(text)
        muted.setAlpha(150)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = QPen(ACCENT, 2.5) if self.isSelected() else QPen(muted, 1.0)
        for offset in (8.0, 4.0, 0.0):  # the cards behind say "several layers"
            painter.setPen(border if offset == 0 else QPen(muted, 1.0))
            painter.setBrush(base)
            painter.drawRoundedRect(self.card_rect().translated(offset, offset), 6, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(GROUP_COLOR)
        painter.drawRoundedRect(QRectF(0, 0, 7, CARD_HEIGHT), 3, 3)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < SIMPLE_BELOW_SCALE:
            return
        font = QFont(painter.font())
        font.setPointSizeF(9.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text)
        painter.drawText(self.toggle_rect(), Qt.AlignmentFlag.AlignCenter, "▸")
        title_width = CARD_WIDTH - 44
        painter.drawText(QRectF(32, 6, title_width, 20), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetricsF(font).elidedText(self.group.name, Qt.TextElideMode.ElideMiddle, title_width))
        font.setBold(False)
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.setPen(muted)
        painter.drawText(QRectF(14, 28, CARD_WIDTH - 24, 20), Qt.AlignmentFlag.AlignVCenter,
                         QFontMetricsF(font).elidedText(self.line, Qt.TextElideMode.ElideRight, CARD_WIDTH - 24))
        painter.setPen(QPen(muted, 1.2))
        painter.setBrush(QColor("white"))
        painter.drawEllipse(QPointF(CARD_WIDTH / 2, 0), PORT_RADIUS, PORT_RADIUS)
        painter.drawEllipse(QPointF(CARD_WIDTH / 2, CARD_HEIGHT), PORT_RADIUS, PORT_RADIUS)


class GroupFrame(QGraphicsItem):
    """An expanded group: a tinted frame around its layers, its name in a header that collapses it."""

    def __init__(self, group: LayerGroup) -> None:
        super().__init__()
        self.setZValue(-2)
        self.group = group
        self.rect = QRectF()

    def set_rect(self, rect: QRectF) -> None:
        """`rect`: the group's cards, in scene coordinates; the frame adds a margin and the header."""
        self.prepareGeometryChange()
        self.rect = rect.adjusted(-12, -12 - HEADER_HEIGHT, 12, 12)
        self.setToolTip(f"{self.group.name}: {len(self.group.members)} layers. Click the header to collapse it.")

    def header_rect(self) -> QRectF:
        return QRectF(self.rect.left(), self.rect.top(), self.rect.width(), HEADER_HEIGHT + 4)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        fill = QColor(GROUP_COLOR)
        fill.setAlpha(22)
        edge = QColor(GROUP_COLOR)
        edge.setAlpha(120)
        painter.setPen(QPen(edge, 1.0, Qt.PenStyle.DashLine))
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect, 10, 10)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < SIMPLE_BELOW_SCALE:
            return
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(GROUP_COLOR)
        painter.drawText(self.header_rect().adjusted(10, 2, -10, 0), Qt.AlignmentFlag.AlignVCenter,
                         f"▾ {self.group.name} · {len(self.group.members)} layers")
