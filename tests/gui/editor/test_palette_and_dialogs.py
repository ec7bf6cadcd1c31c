"""The palette, File -> New's template chooser and the code export preview."""

from __future__ import annotations

import ast

from PySide6.QtWidgets import QDialogButtonBox

from gui.dialogs.code import CodeDialog
from gui.dialogs.templates import EMPTY, TemplateDialog
from gui.document import ProjectDocument
from gui.editor.palette import LAYER_MIME, Palette
from models.graph.catalog import CATALOG, PALETTE_HIDDEN
from models.graph.project import Project, model_to_dict
from models.graph.spec import ModelSpec
from models.templates import load_template, template_names
from tests.qt_helpers import shown


def test_palette_lists_every_catalog_layer_with_its_teaching_text(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    assert set(palette.items) == set(CATALOG) - PALETTE_HIDDEN  # an imported layer comes only with its model
    item = palette.items["Conv2D"]
    assert item.parent().text(0) == "Convolution"
    assert CATALOG["Conv2D"].teaching in item.toolTip(0)
    assert not item.icon(0).isNull()


def test_palette_search_filters_as_you_type(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "conv")
    visible = palette.visible_layers()
    assert "Conv2D" in visible and "Conv1D" in visible and "Dense" not in visible
    palette.search.clear()
    qtbot.keyClicks(palette.search, "attention")
    assert {"MultiHeadAttention", "Attention"} <= set(palette.visible_layers())
    palette.search.clear()
    assert len(palette.visible_layers()) == len(CATALOG) - len(PALETTE_HIDDEN)


def test_palette_drag_carries_stratas_own_mime_type(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    mime = palette.tree.mimeData([palette.items["LSTM"]])
    assert bytes(mime.data(LAYER_MIME)).decode() == "LSTM"
    assert palette.tree.mimeData([palette.items["LSTM"].parent()]).formats() == []  # a category drags nothing


def test_double_click_in_the_palette_asks_to_add_the_layer(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    with qtbot.waitSignal(palette.layer_activated, timeout=1000) as blocker:
        palette.tree.itemActivated.emit(palette.items["Dense"], 0)
    assert blocker.args == ["Dense"]


def test_template_chooser_previews_each_template(qtbot):
    dialog = TemplateDialog()
    qtbot.addWidget(dialog)
    keys = [dialog.list.item(i).data(256) for i in range(dialog.list.count())]
    assert keys == [EMPTY, *template_names()]
    for row, key in enumerate(keys):
        dialog.list.setCurrentRow(row)
        if key == EMPTY:
            assert dialog.preview.nodes == {}
            continue
        template = load_template(key)
        assert set(dialog.preview.nodes) == set(template.spec.nodes)
        assert template.name in dialog.text.text()
        chosen = dialog.chosen_project()
        assert model_to_dict(chosen.spec) == model_to_dict(template.spec)
        assert chosen.spec is not dialog.projects[key].spec



def test_template_previews_are_readable_and_never_scroll_sideways(qtbot):
    from gui.editor.canvas_zoom import READABLE_SCALE

    dialog = shown(qtbot, TemplateDialog(), 800, 560)
    for row in range(1, dialog.list.count()):
        dialog.list.setCurrentRow(row)
        assert dialog.preview.zoom_level() >= READABLE_SCALE
        assert not dialog.preview.horizontalScrollBar().isVisible()


def test_code_export_preview_and_save(qtbot, tmp_path):
    document = ProjectDocument(load_template("lenet"))
    dialog = CodeDialog(document)
    qtbot.addWidget(dialog)
    code = dialog.editor.toPlainText()
    ast.parse(code)
    assert "layers.Conv2D(" in code and "def build_model" in code
    target = tmp_path / "lenet.py"
    assert dialog.save_to(target)
    assert target.read_text() == code


def test_code_export_of_an_invalid_model_says_why(qtbot):
    spec = ModelSpec()
    spec.add_node("Dense", {"units": 3}, node_id="lonely")
    dialog = CodeDialog(ProjectDocument(Project(spec=spec)))
    qtbot.addWidget(dialog)
    assert dialog.editor.toPlainText() == ""
    assert "cannot be built" in dialog.note.text()
    buttons = dialog.findChild(QDialogButtonBox)
    assert not buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_every_layer_name_fits_the_palette_at_its_narrowest(qtbot):
    from PySide6.QtCore import Qt

    from gui.editor.palette import Palette

    palette = Palette()
    qtbot.addWidget(palette)
    palette.resize(palette.minimumWidth(), 600)
    palette.show()
    qtbot.waitExposed(palette)
    tree = palette.tree
    metrics = tree.fontMetrics()
    for name, item in palette.items.items():
        rect = tree.visualItemRect(item)
        text_room = tree.viewport().width() - rect.left() - tree.iconSize().width()
        assert metrics.horizontalAdvance(name) <= text_room, name
    assert tree.textElideMode() == Qt.TextElideMode.ElideMiddle
