"""The canvas's edits of the model: adding, deleting, duplicating layers, their Fixes, and the clipboard.

A mixin of CanvasView: every change goes through the document as one undo step; the view only says which
layers (the selection) and reports what happened on its `message` signal.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMenu

from gui.editor.canvas_items import NodeItem
from models.graph.edits import (
    DropTarget,
    clipboard_layers,
    copied_text,
    default_target,
    edit_name,
    paste_layers,
    remove_layers,
)
from models.graph.project import ProjectError, model_from_dict


class CanvasEdits:
    """Needs `document`, `message`, `selected_ids()` from the view it is mixed into."""

    # ----- edits ------------------------------------------------------------------------------------
    def add_layer(self, type_name: str, target: DropTarget | None = None) -> str | None:
        """Add a layer where `target` says (default: after the selected layer, else at the end)."""
        target = target or default_target(self.document.spec, self.selected_ids())
        return self.document.edit(f"Add {type_name}", lambda spec: target.apply(spec, type_name),
                                  select=lambda new: [new])

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.document.edit(edit_name("Delete", ids), lambda spec: remove_layers(spec, ids))

    def duplicate_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.document.edit("Duplicate", lambda spec: [spec.duplicate(i) for i in ids], select=lambda new: new)

    def fixes_for(self, node_id: str) -> list:
        """Every repair offered for a layer's problems, in order (the one-click one of the first problem first)."""
        report = self.document.report.nodes.get(node_id)
        return [fix for problem in (report.problems if report else []) for fix in problem.fixes]

    def apply_fix(self, node_id: str, fix=None) -> None:
        """Apply `fix` (default: the first one offered) as one undo step."""
        fix = fix or next(iter(self.fixes_for(node_id)), None)
        if fix is None:
            return
        self.document.edit(fix.label, lambda spec: fix.apply(spec, node_id), select=lambda added: [added or node_id])
        self.message.emit(f"Applied: {fix.label}")

    def _fix_clicked(self, item: NodeItem, screen_pos) -> None:
        """One repair applies at once; several are offered in a menu under the button."""
        fixes = self.fixes_for(item.node_id)
        if len(fixes) <= 1:
            self.apply_fix(item.node_id)
            return
        if getattr(self, "fix_menu", None) is not None:
            self.fix_menu.deleteLater()  # one menu at a time, not one more per click
        self.fix_menu = QMenu(self)
        for fix in fixes:
            self.fix_menu.addAction(fix.label, lambda fix=fix: self.apply_fix(item.node_id, fix))
        self.fix_menu.popup(screen_pos)

    # ----- clipboard ---------------------------------------------------------------------------------
    def copy_selected(self) -> bool:
        ids = self.selected_ids()
        if not ids:
            return False
        QApplication.clipboard().setText(copied_text(self.document.spec, ids))
        return True

    def cut_selected(self) -> None:
        if self.copy_selected():
            self.delete_selected()

    def paste(self) -> None:
        """Paste copied layers after the selected one (or at the end), keeping connections among them."""
        layers = clipboard_layers(QApplication.clipboard().text())
        if not layers:
            self.message.emit("Nothing to paste: copy layers first")
            return
        try:  # the same checks as opening a project file: types, parameter names and values, connections
            copied = model_from_dict({"layers": layers})
        except ProjectError as error:
            self.message.emit(f"The copied layers cannot be pasted: {error}")
            return
        selected = self.selected_ids()
        self.document.edit(f"Paste {len(layers)} layer(s)", lambda spec: paste_layers(spec, copied, selected),
                           select=lambda new: new)
