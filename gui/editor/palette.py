"""The layer palette: every catalog layer by category, searchable, dragged onto the canvas.

A drag carries Strata's own mime type with the layer type name, so only the canvas accepts it and other
applications see plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from models.graph.catalog import CATEGORIES, LayerType, by_category

LAYER_MIME = "application/x-strata-layer-type"
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1

# One colour per category, shared by palette icons and canvas cards.
CATEGORY_COLORS = {
    "Input": "#607d8b", "Core": "#1e88e5", "Convolution": "#43a047", "Pooling": "#00897b",
    "Normalization": "#8e24aa", "Regularization": "#f4511e", "Reshaping": "#6d4c41", "Merge": "#fb8c00",
    "Attention": "#e53935", "Recurrent": "#3949ab", "Preprocessing": "#757575",
}


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#546e7a"))


def layer_icon(kind: LayerType, size: int = 20) -> QIcon:
    """A rounded badge in the category colour with the layer's initials (Conv2D -> C2)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(category_color(kind.category))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, 4, 4)
    initials = "".join(c for c in kind.name if c.isupper() or c.isdigit())[:2] or kind.name[:2]
    font = QFont()
    font.setPixelSize(int(size * 0.5))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, initials)
    painter.end()
    return QIcon(pixmap)


class PaletteTree(QTreeWidget):
    """The tree itself; `mimeData` is where Qt asks what a drag carries."""

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 (Qt override)
        data = QMimeData()
        names = [item.data(0, Qt.ItemDataRole.UserRole) for item in items]
        names = [n for n in names if n]
        if names:
            data.setData(LAYER_MIME, names[0].encode())
            data.setText(names[0])
        return data

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [LAYER_MIME]


class Palette(QWidget):
    """Emits `layer_activated(type name)` on double-click / Enter: the main window appends that layer."""

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setIconSize(QSize(20, 20))
        self.tree.setUniformRowHeights(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._fit_longest_name()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)

    def _fill(self) -> None:
        groups = by_category()
        for category in CATEGORIES:
            kinds = groups.get(category, [])
            if not kinds:
                continue
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for kind in kinds:
                item = QTreeWidgetItem(group, [kind.name])
                item.setData(0, Qt.ItemDataRole.UserRole, kind.name)
                item.setIcon(0, layer_icon(kind))
                item.setToolTip(0, f"<b>{kind.name}</b> <i>({category})</i><br>{kind.teaching}")
                item.setData(0, SEARCH_ROLE, f"{kind.name} {category} {kind.teaching}".lower())
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self.items[kind.name] = item
            group.setExpanded(True)

    def _fit_longest_name(self) -> None:
        """Wide enough for "GlobalAveragePooling2D" with its icon and indentation; were the dock narrower still,
        names lose their middle, never their end (the tooltip has the whole name)."""
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.resizeColumnToContents(0)
        frame = self.tree.frameWidth() * 2 + self.tree.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        self.setMinimumWidth(self.tree.sizeHintForColumn(0) + frame + margins.left() + margins.right())

    def filter(self, text: str) -> None:
        """Show layers whose name, category or teaching text contains every typed word."""
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            visible_children = 0
            for child_index in range(group.childCount()):
                child = group.child(child_index)
                haystack = child.data(0, SEARCH_ROLE)  # plain words: no match on the tooltip's HTML
                hidden = not all(word in haystack for word in words)
                child.setHidden(hidden)
                visible_children += not hidden
            group.setHidden(visible_children == 0)

    def visible_layers(self) -> list[str]:
        return [name for name, item in self.items.items() if not item.isHidden() and not item.parent().isHidden()]

    def _activated(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, Qt.ItemDataRole.UserRole)
        if name:
            self.layer_activated.emit(name)
