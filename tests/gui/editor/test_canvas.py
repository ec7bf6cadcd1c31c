"""The canvas driven like a person does: real drags from the palette, real mouse drags on cards and ports."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from gui.document import ProjectDocument
from gui.editor.canvas import CanvasView
from gui.editor.canvas_items import CARD_HEIGHT, CARD_WIDTH
from gui.editor.palette import LAYER_MIME, Palette
from models.graph.project import Project, model_to_dict
from models.graph.spec import ModelSpec


def chain(*types: str) -> ModelSpec:
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [28, 28, 1]}, node_id="input_1")
    for type_name in types:
        spec.append(type_name)
    return spec


@pytest.fixture
def editor(qtbot):
    """A canvas over a small stack: Input -> Flatten -> Dense -> Dense, and a palette to drag from."""
    document = ProjectDocument(Project(spec=chain("Flatten", "Dense", "Dense")))
    canvas = CanvasView(document)
    palette = Palette()
    for widget in (canvas, palette):
        qtbot.addWidget(widget)
    canvas.resize(900, 900)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.resetTransform()
    canvas.centerOn(canvas.nodes["flatten_1"])
    return document, canvas, palette


def drop_from_palette(canvas: CanvasView, palette: Palette, type_name: str, scene_point: QPointF) -> None:
    """A real drag-enter, drag-move and drop on the canvas viewport carrying the palette's own mime data."""
    mime = palette.tree.mimeData([palette.items[type_name]])
    assert mime.hasFormat(LAYER_MIME)
    position = QPointF(canvas.mapFromScene(scene_point))
    viewport = canvas.viewport()
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(position.toPoint(), action, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(position.toPoint(), action, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, move)
    assert canvas.indicator.isVisible()
    drop = QDropEvent(position, action, mime, buttons, modifiers)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()


def dense_stack(layers: int) -> ModelSpec:
    """Input "x" (8 values) and `layers` small Dense layers: a model taller than the view."""
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8]}, node_id="x")
    for _ in range(layers):
        spec.append("Dense", {"units": 4})
    return spec


def show_canvas(qtbot, spec: ModelSpec, width: int = 900, height: int = 600) -> tuple[ProjectDocument, CanvasView]:
    document = ProjectDocument(Project(spec=spec))
    canvas = CanvasView(document)
    qtbot.addWidget(canvas)
    canvas.resize(width, height)
    canvas.show()
    return document, canvas


def drag(qtbot, canvas: CanvasView, start: QPoint, end: QPoint, steps: int = 5) -> None:
    """Press, move in `steps`, release: a person's mouse drag on the canvas."""
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * step / steps)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def edge_midpoint(canvas: CanvasView, source: str, target: str) -> QPointF:
    return next(e for e in canvas.edges if (e.source, e.target) == (source, target)).midpoint()


def view_point(canvas: CanvasView, scene_point: QPointF) -> QPoint:
    return canvas.mapFromScene(scene_point)


def test_drop_between_the_input_and_the_first_layer_inserts_at_the_top(editor):
    document, canvas, palette = editor
    drop_from_palette(canvas, palette, "Rescaling", edge_midpoint(canvas, "input_1", "flatten_1"))
    assert document.spec.node("rescaling_1").inputs == ["input_1"]
    assert document.spec.node("flatten_1").inputs == ["rescaling_1"]
    assert "rescaling_1" in canvas.nodes and canvas.selected_ids() == ["rescaling_1"]


def test_drop_in_the_middle_and_at_the_end(editor):
    document, canvas, palette = editor
    drop_from_palette(canvas, palette, "Dropout", edge_midpoint(canvas, "dense_1", "dense_2"))
    assert document.spec.node("dropout_1").inputs == ["dense_1"]
    assert document.spec.node("dense_2").inputs == ["dropout_1"]
    last = canvas.nodes["dense_2"]
    below = last.mapToScene(QPointF(CARD_WIDTH / 2, CARD_HEIGHT + 150))
    canvas.centerOn(below)
    drop_from_palette(canvas, palette, "Activation", below)
    assert document.spec.node("activation_1").inputs == ["dense_2"]
    assert document.spec.output_ids() == ["activation_1"]
    # the card shows the new layer's output shape at once
    assert canvas.nodes["activation_1"].shape_text == "(64)"  # Dense defaults to 64 units


def test_first_drop_on_an_empty_canvas_starts_the_chain(qtbot):
    document = ProjectDocument(Project())
    canvas = CanvasView(document)
    palette = Palette()
    qtbot.addWidget(canvas)
    qtbot.addWidget(palette)
    canvas.resize(600, 500)
    canvas.show()
    drop_from_palette(canvas, palette, "Input", canvas.mapToScene(QPoint(300, 250)))
    drop_from_palette(canvas, palette, "Dense", canvas.mapToScene(QPoint(300, 450)))
    assert [n.type for n in document.spec.nodes.values()] == ["Input", "Dense"]
    assert document.spec.node("dense_1").inputs == ["input_1"]


def test_drop_on_an_output_port_starts_a_branch(editor):
    document, canvas, palette = editor
    drop_from_palette(canvas, palette, "Dense", canvas.nodes["flatten_1"].output_port_scene_pos())
    assert document.spec.node("dense_3").inputs == ["flatten_1"]
    assert sorted(document.spec.consumers("flatten_1")) == ["dense_1", "dense_3"]
    # branches sit side by side: the new card is beside dense_1, not on top of it
    assert canvas.nodes["dense_3"].pos().y() == canvas.nodes["dense_1"].pos().y()
    assert canvas.nodes["dense_3"].pos().x() != canvas.nodes["dense_1"].pos().x()


def test_dragging_a_card_moves_it_within_the_stack(editor, qtbot):
    document, canvas, _palette = editor
    card = canvas.nodes["dense_2"]
    start = view_point(canvas, card.mapToScene(QPointF(40, CARD_HEIGHT / 2)))
    target = view_point(canvas, edge_midpoint(canvas, "input_1", "flatten_1"))
    drag(qtbot, canvas, start, target)
    spec = document.spec
    assert spec.node("dense_2").inputs == ["input_1"]
    assert spec.node("flatten_1").inputs == ["dense_2"]
    assert spec.output_ids() == ["dense_1"]


def test_drawing_from_an_output_port_to_an_input_port_connects_a_skip(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [16]}, node_id="x")
    spec.add_node("Dense", {"units": 16}, ["x"], node_id="a")
    spec.add_node("Dense", {"units": 16}, ["a"], node_id="b")
    spec.add_node("Add", {}, ["b"], node_id="add")
    document, canvas = show_canvas(qtbot, spec, 800, 800)
    assert any(p.field == "inputs" for p in document.report.nodes["add"].problems)  # Add needs 2 inputs
    start = view_point(canvas, canvas.nodes["x"].output_port_scene_pos())
    end = view_point(canvas, canvas.nodes["add"].input_port_scene_pos(0))
    drag(qtbot, canvas, start, end, steps=2)
    assert document.spec.node("add").inputs == ["b", "x"]
    assert document.report.valid
    assert canvas.nodes["add"].problem is None
    assert len(canvas.edges) == 4


def test_connecting_attention_ports_by_name(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8, 16]}, node_id="tokens")
    spec.add_node("Input", {"shape": [4, 16]}, node_id="memory")
    spec.add_node("MultiHeadAttention", {"num_heads": 2, "key_dim": 8}, ["tokens"], node_id="mha")
    document, canvas = show_canvas(qtbot, spec, 900, 600)
    item = canvas.nodes["mha"]
    assert item.port_names() == ["query", "value", "key"]
    start = view_point(canvas, canvas.nodes["memory"].output_port_scene_pos())
    end = view_point(canvas, item.input_port_scene_pos(1))  # the "value" port
    drag(qtbot, canvas, start, end, steps=1)
    assert document.spec.node("mha").inputs == ["tokens", "memory"]
    assert document.report.nodes["mha"].output_shape == (8, 16)


def test_delete_rewires_the_stack_and_undo_brings_it_back(editor):
    document, canvas, _palette = editor
    original = model_to_dict(document.spec)
    canvas.select(["dense_1"])
    canvas.delete_selected()
    assert "dense_1" not in document.spec and "dense_1" not in canvas.nodes
    assert document.spec.node("dense_2").inputs == ["flatten_1"]
    document.undo_stack.undo()
    assert model_to_dict(document.spec) == original
    assert "dense_1" in canvas.nodes


def test_copy_paste_and_duplicate(editor):
    document, canvas, _palette = editor
    canvas.select(["dense_1"])
    assert canvas.copy_selected()
    canvas.select(["dense_2"])
    canvas.paste()
    assert document.spec.node("dense_3").inputs == ["dense_2"]
    assert canvas.selected_ids() == ["dense_3"]
    canvas.duplicate_selected()
    assert document.spec.node("dense_4").inputs == ["dense_3"]
    assert len(document.spec) == 6


def test_fix_button_on_a_card_repairs_the_model(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4, 4, 1]}, node_id="x")
    spec.add_node("Conv2D", {"filters": 8, "kernel_size": 5}, ["x"], node_id="conv")
    document, canvas = show_canvas(qtbot, spec, 700, 500)
    card = canvas.nodes["conv"]
    assert card.problem is not None and card.has_fix()
    assert "padding='same'" in card.toolTip()
    fix_center = view_point(canvas, card.mapToScene(card.fix_rect().center()))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=fix_center)
    menu = canvas.fix_menu  # two repairs apply: both are offered, under the button
    qtbot.waitUntil(menu.isVisible)
    assert [action.text() for action in menu.actions()] == ["Use padding='same'", "Use kernel_size 4x4"]
    menu.actions()[0].trigger()
    menu.hide()
    assert document.spec.node("conv").params["padding"] == "same"
    assert card.problem is None and card.shape_text.startswith("(4, 4, 8)")
    document.undo_stack.undo()
    assert card.problem is not None
    menu.actions()[1].trigger()  # the other repair: a kernel that fits keeps 'valid' padding
    assert document.spec.node("conv").params["kernel_size"] == [4, 4] and card.problem is None


def test_zoom_and_fit(editor):
    _document, canvas, _palette = editor
    before = canvas.zoom_level()
    canvas.zoom_by(1.25)
    assert canvas.zoom_level() == pytest.approx(before * 1.25)
    canvas.zoom_by(100)
    assert canvas.zoom_level() == pytest.approx(3.0)
    canvas.fit_to_view()
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    for card in canvas.nodes.values():
        assert visible.contains(card.sceneBoundingRect().center())


def test_a_200_layer_model_syncs_incrementally(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [32]})
    for _ in range(199):
        spec.append("Dense", {"units": 32})
    document = ProjectDocument(Project(spec=spec))
    canvas = CanvasView(document)
    qtbot.addWidget(canvas)
    assert len(canvas.nodes) == 200 and len(canvas.edges) == 199
    cards = dict(canvas.nodes)
    document.edit("units", lambda s: s.set_params("dense_100", units=8))
    assert all(canvas.nodes[n] is cards[n] for n in cards)  # cards are reused, not rebuilt
    assert canvas.nodes["dense_100"].shape_text.startswith("(8)")
    assert canvas.nodes["dense_101"].shape_text == "(32) · 288 params"


def test_pasting_foreign_text_changes_nothing(editor):
    document, canvas, _palette = editor
    before = model_to_dict(document.spec)
    messages = []
    canvas.message.connect(messages.append)
    for text in ("hello", '{"strata_layers": [{"type": "NoSuchLayer"}]}', "[1, 2]"):
        QApplication.clipboard().setText(text)
        canvas.paste()
    assert model_to_dict(document.spec) == before
    assert messages == ["Nothing to paste: copy layers first"] * 3


def test_ctrl_wheel_and_pinch_zoom_plain_wheel_scrolls(editor):
    from PySide6.QtGui import QNativeGestureEvent, QPointingDevice, QWheelEvent

    _document, canvas, _palette = editor
    viewport = canvas.viewport()
    center = QPointF(viewport.rect().center())
    global_center = QPointF(viewport.mapToGlobal(viewport.rect().center()))

    def wheel(delta: int, modifiers: Qt.KeyboardModifier) -> None:
        event = QWheelEvent(center, global_center, QPoint(0, 0), QPoint(0, delta), Qt.MouseButton.NoButton,
                            modifiers, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(viewport, event)

    before = canvas.zoom_level()
    wheel(120, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom_level() > before
    zoomed = canvas.zoom_level()
    canvas.verticalScrollBar().setValue(canvas.verticalScrollBar().minimum())
    scroll = canvas.verticalScrollBar().value()
    assert canvas.verticalScrollBar().maximum() > scroll
    wheel(-120, Qt.KeyboardModifier.NoModifier)
    assert canvas.zoom_level() == zoomed and canvas.verticalScrollBar().value() > scroll
    pinch = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture, QPointingDevice.primaryPointingDevice(), 2,
                                center, center, global_center, 0.5, QPointF(0, 0), 1)
    QApplication.sendEvent(viewport, pinch)
    assert canvas.zoom_level() == pytest.approx(zoomed * 1.5)


def test_moving_a_card_onto_one_branch_rewires_only_that_connection(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8]}, node_id="x")
    spec.add_node("Dense", {"units": 8}, ["x"], node_id="a")
    spec.add_node("Dense", {"units": 8}, ["x"], node_id="b")
    spec.add_node("Add", {}, ["a", "b"], node_id="add")
    spec.add_node("Dropout", {"rate": 0.1}, ["add"], node_id="drop")
    document, canvas = show_canvas(qtbot, spec, 1000, 900)
    card = canvas.nodes["drop"]
    start = view_point(canvas, card.mapToScene(QPointF(40, CARD_HEIGHT / 2)))
    target = view_point(canvas, edge_midpoint(canvas, "x", "b"))
    drag(qtbot, canvas, start, target)
    assert document.spec.node("drop").inputs == ["x"]
    assert document.spec.node("b").inputs == ["drop"]
    assert document.spec.node("a").inputs == ["x"]  # the other branch is untouched


def test_attention_ports_refuse_key_before_value_and_drops_on_the_card_body(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8, 16]}, node_id="q")
    spec.add_node("Input", {"shape": [8, 16]}, node_id="k")
    spec.add_node("MultiHeadAttention", {"num_heads": 2, "key_dim": 8}, ["q"], node_id="mha")
    document, canvas = show_canvas(qtbot, spec, 900, 600)
    failures, messages = [], []
    document.edit_failed.connect(failures.append)
    canvas.message.connect(messages.append)
    start = view_point(canvas, canvas.nodes["k"].output_port_scene_pos())
    for end in (view_point(canvas, canvas.nodes["mha"].input_port_scene_pos(2)),  # key, while value is unset
                view_point(canvas, canvas.nodes["mha"].mapToScene(QPointF(60, CARD_HEIGHT * 0.7)))):  # the body
        drag(qtbot, canvas, start, end, steps=1)
    assert document.spec.node("mha").inputs == ["q"]
    assert "connect value" in failures[0] and "before key" in failures[0]
    assert "ports: query, value, key" in messages[-1]


@pytest.mark.parametrize("layer, reason", [
    ({"id": "a", "type": "Dense", "params": {"unitz": 3}, "inputs": []}, "unitz"),
    ({"id": "a", "type": "Dense", "params": {"units": "x"}, "inputs": []}, "units"),
    ({"id": "a", "type": "Dense", "params": {}, "inputs": [[1]]}, "inputs"),
])
def test_pasting_invalid_layers_explains_and_changes_nothing(editor, layer, reason):
    import json

    document, canvas, _palette = editor
    before = model_to_dict(document.spec)
    messages = []
    canvas.message.connect(messages.append)
    QApplication.clipboard().setText(json.dumps({"strata_layers": [layer]}))
    canvas.paste()
    assert model_to_dict(document.spec) == before
    assert messages and reason in messages[-1] and "cannot be pasted" in messages[-1]


def test_pasting_a_copied_stack_keeps_it_a_stack(editor):
    document, canvas, _palette = editor
    canvas.select(["flatten_1", "dense_1"])
    canvas.copy_selected()
    canvas.select(["dense_2"])
    canvas.paste()
    pasted = canvas.selected_ids()
    assert len(pasted) == 2
    assert document.spec.node(pasted[0]).inputs == ["dense_2"]
    assert document.spec.node(pasted[1]).inputs == [pasted[0]]
    assert document.spec.output_ids() == [pasted[1]]


def test_fit_on_a_huge_model_keeps_zoom_usable(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8]})
    for _ in range(199):
        spec.append("Dense", {"units": 8})
    canvas = CanvasView(ProjectDocument(Project(spec=spec)))
    qtbot.addWidget(canvas)
    canvas.resize(800, 600)
    canvas.show()
    canvas.fit_to_view()
    fitted = canvas.zoom_level()
    assert fitted >= 0.1
    canvas.zoom_by(0.8)
    assert canvas.zoom_level() <= fitted  # zooming out never zooms in


def test_the_context_menu_offers_the_fix_disconnects_an_input_and_lists_the_edits(qtbot):
    from gui.editor.canvas_menu import canvas_menu

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4, 4, 1]}, node_id="x")
    spec.add_node("Conv2D", {"filters": 8, "kernel_size": 5}, ["x"], node_id="conv")
    document, canvas = show_canvas(qtbot, spec, 700, 500)
    menu = canvas_menu(canvas, "conv")
    texts = [action.text() for action in menu.actions() if action.text()]
    assert texts[:2] == ["Fix: Use padding='same'", "Fix: Use kernel_size 4x4"]  # every repair that applies
    assert texts[2:] == ["Disconnect Input", "Freeze Up to Here", "Duplicate", "Cut", "Copy", "Paste", "Delete",
                         "Fit to Window"]
    assert menu.actions()[0].text() == texts[0]
    menu.actions()[0].trigger()
    assert document.spec.node("conv").params["padding"] == "same"
    disconnect = next(action.menu() for action in menu.actions() if action.text() == "Disconnect Input")
    disconnect.actions()[0].trigger()
    assert document.spec.node("conv").inputs == []
    empty = [action.text() for action in canvas_menu(canvas, None).actions() if action.text()]
    assert empty == ["Paste", "Fit to Window"]
    next(a for a in canvas_menu(canvas, "conv").actions() if a.text() == "Freeze Up to Here").trigger()
    assert document.spec.node("conv").params["trainable"] is False and document.report.nodes["conv"].trainable == 0
    empty = [action.text() for action in canvas_menu(canvas, None).actions() if action.text()]
    assert empty == ["Unfreeze All Layers", "Paste", "Fit to Window"]  # offered once something is frozen


def test_clicking_a_card_selects_it_without_scrolling_and_selecting_elsewhere_brings_it_into_view(qtbot):
    spec = dense_stack(30)
    document, canvas = show_canvas(qtbot, spec, 700, 400)
    canvas.resetTransform()
    canvas.centerOn(canvas.nodes["dense_5"])
    bars = canvas.horizontalScrollBar(), canvas.verticalScrollBar()
    before = [bar.value() for bar in bars]
    card = canvas.nodes["dense_5"]
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_point(canvas, card.mapToScene(card.boundingRect().center() + QPointF(30, 0))))
    assert canvas.selected_ids() == ["dense_5"] and [bar.value() for bar in bars] == before
    canvas.select(["dense_6"])  # the window echoes a click back (Inspection, Summary): a visible card stays put
    assert [bar.value() for bar in bars] == before
    canvas.select(["dense_30"])  # from the Summary or the Inspection panel: a card out of view comes into view
    assert canvas.viewport().rect().intersects(canvas.mapFromScene(canvas.nodes["dense_30"].sceneBoundingRect())
                                               .boundingRect())


def test_an_opened_model_is_shown_at_a_readable_size(qtbot):
    """A 20-layer stack is not fitted whole into a small view (7 px text): its top part is shown at 90 % or more."""
    from gui.editor.canvas_zoom import READABLE_SCALE

    spec = dense_stack(20)
    _document, canvas = show_canvas(qtbot, spec, 900, 500)
    canvas.show_model()
    assert canvas.zoom_level() >= READABLE_SCALE >= 0.9
    top = canvas.mapFromScene(canvas.nodes["x"].sceneBoundingRect()).boundingRect()
    assert canvas.viewport().rect().contains(top)  # the stack's first card is in view


def test_a_wide_model_opens_showing_its_input_not_an_empty_region(qtbot):
    """Side branches (Inception, NASNet, ResNet shortcuts) make the graph wider than its input's column."""
    spec = ModelSpec(name="wide")
    spec.add_node("Input", {"shape": [8]}, node_id="x")
    previous = "x"
    for level in range(12):
        branches = [spec.add_node("Dense", {"units": 8}, [previous], node_id=f"b{level}_{i}") for i in range(6)]
        previous = spec.add_node("Add", {}, branches, node_id=f"join{level}")
    _document, canvas = show_canvas(qtbot, spec, 700, 450)
    canvas.show_model()
    first = canvas.mapFromScene(canvas.nodes["x"].sceneBoundingRect()).boundingRect()
    assert canvas.viewport().rect().contains(first)


def test_zoomed_far_out_a_card_is_drawn_without_its_text(qtbot):
    """A fitted 771-layer graph shows cards a few pixels high: their text is skipped, not drawn as smudges."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8]}, node_id="x")
    _document, canvas = show_canvas(qtbot, spec, 400, 300)
    card = canvas.nodes["x"]

    def darkest_inside(scale: float) -> int:
        width, height = int(CARD_WIDTH * scale), int(CARD_HEIGHT * scale)
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(0xFFFFFF)
        painter = QPainter(image)
        canvas.scene().render(painter, QRectF(0, 0, width, height), card.sceneBoundingRect())
        painter.end()
        inside = [image.pixelColor(x, y).lightness() for x in range(int(12 * scale) + 2, width - 3)
                  for y in range(3, height - 3)]
        return min(inside)

    assert darkest_inside(1.0) < 90  # the title's dark text
    assert darkest_inside(0.25) > 150  # outline and stripe only


def test_a_shared_layers_second_call_says_so_on_its_card(qtbot):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]}, node_id="a")
    spec.add_node("Input", {"shape": [4]}, node_id="b")
    spec.add_node("Dense", {"units": 3}, ["a"], node_id="enc")
    spec.add_node("Dense", {"units": 3}, ["b"], node_id="enc_call2")
    spec.add_node("Add", {}, ["enc", "enc_call2"], node_id="joined")
    spec.shared = {"enc_call2": "enc"}
    document = ProjectDocument(Project(spec=spec))
    canvas = CanvasView(document)
    qtbot.addWidget(canvas)
    assert canvas.nodes["enc_call2"].summary.endswith("· same layer as enc")
    assert "same layer" not in canvas.nodes["enc"].summary
    assert canvas.nodes["enc_call2"].shape_text == "(3)"  # no parameters of its own: they are enc's
