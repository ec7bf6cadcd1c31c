"""Groups on the real canvas: a big model opens with its blocks collapsed to one card each, a click opens one in
place and its header closes it again, a layer chosen elsewhere opens its group, and a collapsed group's card
says what the block gives; edits and undo go on working with groups open or closed."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from qt_helpers import shown

from gui.document import ProjectDocument
from gui.editor.canvas import CanvasView
from gui.editor.canvas_groups import VERTEX_PREFIX
from gui.editor.canvas_menu import canvas_menu
from models.formatting import count_text
from models.graph.project import Project
from tests.models.graph.test_groups import residual_network


def big_canvas(qtbot, blocks: int = 17) -> tuple[ProjectDocument, CanvasView]:
    document = ProjectDocument(Project(spec=residual_network(blocks)))  # 17 blocks: 105 layers
    canvas = shown(qtbot, CanvasView(document), 900, 900)
    return document, canvas


def click(qtbot, canvas: CanvasView, scene_point: QPointF, double: bool = False) -> None:
    position = canvas.mapFromScene(scene_point)
    if double:
        qtbot.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=position)
    else:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=position)


def test_a_big_model_opens_with_one_card_per_block(qtbot):
    document, canvas = big_canvas(qtbot)
    assert len(document.spec.nodes) >= 100
    cards = canvas.groups.cards
    assert sorted(cards) == sorted(f"conv2_block{i}" for i in range(1, 18))
    assert all(card.isVisible() for card in cards.values())
    assert not canvas.nodes["conv2_block3_2_conv"].isVisible() and canvas.nodes["avg_pool"].isVisible()
    card = cards["conv2_block3"]
    params = sum(document.report.nodes[m].params for m in card.group.members)
    assert card.line == f"6 layers · (16, 16, 8) · {count_text(params)} params"
    assert "Conv2D ×2" in card.toolTip()
    # the connections run card to card; none is drawn inside a collapsed block
    ends = {(edge.source, edge.target) for edge in canvas.edges}
    assert ("conv2_block2_out", "conv2_block3_1_conv") in ends
    assert ("conv2_block3_1_conv", "conv2_block3_1_bn") not in ends
    edge = next(e for e in canvas.edges if (e.source, e.target) == ("conv2_block2_out", "conv2_block3_1_conv"))
    assert edge.path().pointAtPercent(1.0) == card.input_port_scene_pos()
    rows = {round(card.pos().y()) for card in cards.values()}
    assert len(rows) == 17  # one block per row, straight down


def test_a_click_opens_a_group_in_place_and_its_header_closes_it(qtbot):
    document, canvas = big_canvas(qtbot)
    card = canvas.groups.cards["conv2_block2"]
    canvas.centerOn(card)
    on_screen = canvas.mapFromScene(card.scenePos())
    click(qtbot, canvas, card.mapToScene(card.toggle_rect().center()))
    assert not card.isVisible() and canvas.nodes["conv2_block2_2_conv"].isVisible()
    frame = canvas.groups.frames["conv2_block2"]
    assert frame.isVisible()
    first = canvas.nodes["conv2_block2_1_conv"]
    assert (canvas.mapFromScene(first.scenePos()) - on_screen).manhattanLength() <= 2  # opened where it was
    assert frame.rect.contains(first.sceneBoundingRect().center())
    click(qtbot, canvas, frame.header_rect().center())
    assert canvas.groups.cards["conv2_block2"].isVisible() and not canvas.nodes["conv2_block2_2_conv"].isVisible()
    click(qtbot, canvas, canvas.groups.cards["conv2_block5"].scenePos() + QPointF(150, 40), double=True)
    assert "conv2_block5" not in canvas.groups.collapsed
    assert document.undo_stack.count() == 0  # opening and closing is a view, not an edit


def test_selecting_a_hidden_layer_opens_its_group_and_a_selected_card_selects_its_layers(qtbot):
    document, canvas = big_canvas(qtbot)
    seen = []
    canvas.selection_changed.connect(seen.append)
    canvas.select(["conv2_block9_add"])  # what Find, the summary table and the layer strip do
    assert "conv2_block9" not in canvas.groups.collapsed and canvas.nodes["conv2_block9_add"].isVisible()
    assert canvas.nodes["conv2_block9_add"].isSelected() and seen[-1] == ["conv2_block9_add"]
    card = canvas.groups.cards["conv2_block4"]
    canvas.scene().clearSelection()
    card.setSelected(True)
    assert canvas.selected_ids() == list(card.group.members)
    canvas.delete_selected()  # one undoable edit removes the block, its card goes
    assert "conv2_block4_add" not in document.spec.nodes and "conv2_block4" not in canvas.groups.cards
    assert document.report.valid
    document.undo_stack.undo()
    assert "conv2_block4_add" in document.spec.nodes and canvas.groups.cards["conv2_block4"].isVisible()


def test_editing_inside_an_open_group_and_the_menu_that_opens_and_closes_all(qtbot):
    document, canvas = big_canvas(qtbot)
    canvas.set_group_collapsed("conv2_block1", False)
    document.edit("filters", lambda spec: spec.set_params("conv2_block1_1_conv", filters=4))
    assert "conv2_block1" not in canvas.groups.collapsed  # an edit keeps what the person opened
    assert canvas.groups.cards["conv2_block2"].isVisible()
    menu = canvas_menu(canvas, None, "conv2_block2")
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "Open conv2_block2" and "Collapse All Groups" in texts and "Expand All Groups" in texts
    next(a for a in menu.actions() if a.text() == "Expand All Groups").trigger()
    assert not canvas.groups.collapsed and all(node.isVisible() for node in canvas.nodes.values())
    assert not any(card.isVisible() for card in canvas.groups.cards.values())
    next(a for a in canvas_menu(canvas, None).actions() if a.text() == "Collapse All Groups").trigger()
    assert len(canvas.groups.collapsed) == 17
    assert all(VERTEX_PREFIX + name not in document.spec.nodes for name in canvas.groups.collapsed)


def test_a_layer_dropped_on_a_collapsed_group_line_is_not_lost_inside_it(qtbot):
    document, canvas = big_canvas(qtbot)
    edge = next(e for e in canvas.edges if (e.source, e.target) == ("conv2_block2_out", "conv2_block3_1_conv"))
    target = canvas.drop_target_at(edge.midpoint())
    assert target.kind != "between"  # it would land inside the closed block, out of sight
    canvas.set_group_collapsed("conv2_block2", False)
    canvas.set_group_collapsed("conv2_block3", False)
    edge = next(e for e in canvas.edges if (e.source, e.target) == ("conv2_block2_out", "conv2_block3_1_conv"))
    assert canvas.drop_target_at(edge.midpoint()).kind == "between"


def test_a_small_model_has_no_groups_and_a_right_click_on_empty_space_has_no_group_actions(qtbot):
    document = ProjectDocument(Project(spec=residual_network(2)))
    canvas = shown(qtbot, CanvasView(document), 600, 600)
    assert not canvas.groups.groups and not canvas.groups.cards
    assert "Collapse All Groups" not in [a.text() for a in canvas_menu(canvas, None).actions()]
    assert canvas.mapFromScene(QPointF(0, 0)) != QPoint(-1, -1)


def test_the_overview_shows_while_the_model_does_not_fit_and_a_click_there_moves_the_canvas(qtbot):
    document, canvas = big_canvas(qtbot)
    overview = canvas.overview
    canvas.set_all_groups_collapsed(False)  # 105 cards, far taller than the view
    assert overview.isVisible() and len(overview.cards) == len(document.spec.nodes)
    assert canvas.viewport().rect().contains(overview.geometry())  # in the canvas's corner
    canvas.centerOn(canvas.nodes["image"])
    before = canvas.mapToScene(canvas.viewport().rect()).boundingRect().center()
    target = overview.to_overview(canvas.nodes["predictions"].sceneBoundingRect()).center()
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton, pos=target.toPoint())
    after = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert after.center().y() > before.y() + 5000 and after.intersects(canvas.nodes["predictions"].sceneBoundingRect())
    frame = overview.to_overview(overview.visible_rect)
    assert abs(frame.center().y() - target.y()) < 8  # the frame follows the canvas
    canvas.set_overview_shown(False)  # View ▸ Overview unticked
    assert not overview.isVisible()
    canvas.set_overview_shown(True)
    canvas.set_all_groups_collapsed(True)
    canvas.fit_to_view()  # the whole model on screen: no overview needed
    assert not overview.isVisible()
