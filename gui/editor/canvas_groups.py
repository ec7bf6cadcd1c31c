"""The canvas's groups: which blocks of a big model are collapsed, and the cards and frames that draw them.

A group is collapsed or expanded by the person (its ▸ / ▾, a double-click, the canvas menu); a model big enough
opens with all of its groups collapsed; a layer that is selected from elsewhere (Find, the summary, the layer
strip) opens the group it is in. Collapsing is a view: it never changes the model or its undo history.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsScene

from gui.editor.group_items import GroupFrame, GroupItem, group_facts
from models.checks.validate import ValidationReport
from models.graph.groups import COLLAPSED_FROM_LAYERS, LayerGroup, consumer_map, find_groups, group_of
from models.graph.spec import ModelSpec

VERTEX_PREFIX = "group:"  # a collapsed group's key in the layout (group names may equal layer ids)


class CanvasGroups:
    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.groups: list[LayerGroup] = []
        self.collapsed: set[str] = set()
        self.cards: dict[str, GroupItem] = {}
        self.frames: dict[str, GroupFrame] = {}
        self._known: set[str] = set()  # group names seen: a new one starts collapsed in a big model
        self._structure: tuple = ()
        self._member_of: dict[str, str] = {}  # layer -> its innermost group
        self._parent: dict[str, str | None] = {}  # group -> the nested model it lies in

    # ----- what the groups are -----------------------------------------------------------------------
    def update(self, spec: ModelSpec) -> None:
        """Find the groups again when the graph's structure changed (not for a parameter edit)."""
        structure = (tuple(spec.nodes), tuple(tuple(node.inputs) for node in spec.nodes.values()),
                     tuple(sorted(spec.groups.items())))
        if structure == self._structure:
            return
        self._structure = structure
        self.groups = find_groups(spec)
        names = {group.name for group in self.groups}
        self._parent = {group.name: group.parent for group in self.groups}
        parents = {group.parent for group in self.groups}
        big = len(spec.nodes) >= COLLAPSED_FROM_LAYERS
        if not self._known & names:  # another model: forget the last one's choices
            self.collapsed.clear()
        self.collapsed = {name for name in self.collapsed if name in names}
        # a big model opens with its blocks closed; a nested model holding blocks stays open around them
        self.collapsed |= {name for name in names - self._known if big and name not in parents}
        self._known = names
        self._member_of = {member: group.name for member, group in group_of(self.groups).items()}
        for name in [n for n in self.cards if n not in names]:
            self.scene.removeItem(self.cards.pop(name))
        for name in [n for n in self.frames if n not in names]:
            self.scene.removeItem(self.frames.pop(name))

    def group_named(self, name: str) -> LayerGroup | None:
        return next((group for group in self.groups if group.name == name), None)

    def group_of(self, node_id: str) -> str | None:
        return self._member_of.get(node_id)

    def chain(self, name: str | None) -> list[str]:
        """A group and the groups around it, innermost first."""
        names = []
        while name is not None:
            names.append(name)
            name = self._parent.get(name)
        return names

    def shown_collapsed(self, name: str) -> bool:
        """Drawn as its own card: collapsed, inside no collapsed group."""
        outer = self.chain(name)
        return name in self.collapsed and not any(g in self.collapsed for g in outer[1:])

    def hidden(self, name: str) -> bool:
        """Inside a collapsed group (so neither its card nor its frame shows)."""
        return any(g in self.collapsed for g in self.chain(name)[1:])

    def drawn_as(self) -> dict[str, str]:
        """Node id -> layout vertex, for the layers of collapsed groups (the outermost collapsed one)."""
        drawn = {}
        for member, name in self._member_of.items():
            closed = [g for g in self.chain(name) if g in self.collapsed]
            if closed:
                drawn[member] = VERTEX_PREFIX + closed[-1]
        return drawn

    # ----- collapse and expand -----------------------------------------------------------------------------
    def set_collapsed(self, name: str, collapsed: bool) -> bool:
        """True when that changed anything."""
        if self.group_named(name) is None or (name in self.collapsed) == collapsed:
            return False
        (self.collapsed.add if collapsed else self.collapsed.discard)(name)
        return True

    def set_all(self, collapsed: bool) -> bool:
        before = set(self.collapsed)
        self.collapsed = {group.name for group in self.groups} if collapsed else set()
        return before != self.collapsed

    def open_for(self, node_ids: list[str]) -> bool:
        """Expand the groups holding these layers (to show a layer chosen elsewhere); True when any opened."""
        opened = {g for n in node_ids for g in self.chain(self._member_of.get(n)) if g in self.collapsed}
        self.collapsed -= opened
        return bool(opened)

    # ----- the items ----------------------------------------------------------------------------------------
    def place(self, positions: dict, spec: ModelSpec, report: ValidationReport | None) -> None:
        """Cards for collapsed groups at their layout positions; frames around expanded ones come later
        (`frame`), once their layers are placed."""
        consumers = consumer_map(spec)
        for group in self.groups:
            card = self.cards.get(group.name)
            if self.shown_collapsed(group.name):
                if card is None or card.group != group:
                    if card is not None:
                        self.scene.removeItem(card)
                    card = self.cards[group.name] = GroupItem(group)
                    self.scene.addItem(card)
                card.set_facts(*group_facts(group, spec, report, consumers))
                place = positions.get(VERTEX_PREFIX + group.name)
                if place is not None:
                    card.setPos(*place)
                card.show()
            elif card is not None:
                card.hide()
                card.setSelected(False)

    def frame(self, card_rects: dict[str, QRectF]) -> None:
        """A frame around each expanded group's cards (`card_rects`: scene rectangle of each layer's card shown);
        a nested model's frame goes around its blocks' cards and frames."""
        inner_rects: dict[str, QRectF] = {}
        for group in sorted(self.groups, key=lambda g: g.parent is None):  # blocks before the models they are in
            frame = self.frames.get(group.name)
            if group.name in self.collapsed or self.hidden(group.name):
                if frame is not None:
                    frame.hide()
                card = self.cards.get(group.name)
                if card is not None and card.isVisible() and group.parent:
                    inner_rects.setdefault(group.parent, QRectF())
                    inner_rects[group.parent] = inner_rects[group.parent].united(card.sceneBoundingRect())
                continue
            rect = QRectF(inner_rects.get(group.name, QRectF()))
            for member in group.members:
                if member in card_rects:
                    rect = rect.united(card_rects[member])
            if frame is None or frame.group != group:
                if frame is not None:
                    self.scene.removeItem(frame)
                frame = self.frames[group.name] = GroupFrame(group)
                self.scene.addItem(frame)
            frame.set_rect(rect)
            frame.show()
            if group.parent:
                inner_rects[group.parent] = inner_rects.get(group.parent, QRectF()).united(frame.boundingRect())

    def refresh_facts(self, spec: ModelSpec, report: ValidationReport) -> None:
        consumers = consumer_map(spec)
        for card in self.cards.values():
            if card.isVisible():
                card.set_facts(*group_facts(card.group, spec, report, consumers))

    def selected_members(self) -> list[str]:
        return [member for card in self.cards.values() if card.isVisible() and card.isSelected()
                for member in card.group.members]

    def visible_items(self) -> list:
        return [item for item in [*self.cards.values(), *self.frames.values()] if item.isVisible()]
