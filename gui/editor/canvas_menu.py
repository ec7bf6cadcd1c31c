"""The canvas's context menu: the Fixes of the layer under the pointer, disconnecting one of its inputs, and the
edit and view actions with their shortcuts shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from models.graph.edits import adapt_normalization, freeze_up_to, unfreeze_all

if TYPE_CHECKING:
    from gui.editor.canvas import CanvasView


def canvas_menu(view: CanvasView, node_id: str | None, group: str | None = None) -> QMenu:
    """The menu for a right-click on layer `node_id` (None: on empty space) or on group `group`."""
    menu = QMenu(view)
    document = view.document
    if group is not None:
        collapsed = group in view.groups.collapsed
        menu.addAction(f"Open {group}" if collapsed else f"Collapse {group}",
                       lambda: view.set_group_collapsed(group, not collapsed))
        menu.addSeparator()
    if node_id is not None:
        report = document.report.nodes.get(node_id)
        for problem in report.problems if report else []:
            for fix in problem.fixes:
                menu.addAction(f"Fix: {fix.label}", lambda fix=fix: view.apply_fix(node_id, fix))
        disconnect = QMenu("Disconnect Input", menu)
        for source in document.spec.node(node_id).inputs:
            disconnect.addAction(source, lambda s=source: document.edit(
                f"Disconnect {s} → {node_id}", lambda spec: spec.disconnect(s, node_id)))
        if not disconnect.isEmpty():
            menu.addMenu(disconnect)
        menu.addSeparator()
        _add_adapt(menu, view, node_id)
        menu.addAction("Freeze Up to Here", lambda: document.edit(
            f"Freeze up to {node_id}", lambda spec: freeze_up_to(spec, node_id))).setToolTip(
            "This layer and every layer before it keep their weights while the rest trains")
    if any(node.params.get("trainable") is False for node in document.spec.nodes.values()):
        menu.addAction("Unfreeze All Layers", lambda: document.edit("Unfreeze all layers", unfreeze_all))
    if node_id is not None:
        menu.addSeparator()
        _add(menu, "Duplicate", view.duplicate_selected, "Ctrl+D")
        _add(menu, "Cut", view.cut_selected, QKeySequence.StandardKey.Cut)
        _add(menu, "Copy", view.copy_selected, QKeySequence.StandardKey.Copy)
    _add(menu, "Paste", view.paste, QKeySequence.StandardKey.Paste)
    if node_id is not None:
        menu.addSeparator()
        _add(menu, "Delete", view.delete_selected, QKeySequence.StandardKey.Delete)
    menu.addSeparator()
    if view.groups.groups:
        menu.addAction("Collapse All Groups", lambda: view.set_all_groups_collapsed(True))
        menu.addAction("Expand All Groups", lambda: view.set_all_groups_collapsed(False))
    _add(menu, "Fit to Window", view.fit_to_view, "Ctrl+0")
    return menu


def _add_adapt(menu: QMenu, view: CanvasView, node_id: str) -> None:
    """Normalization learns nothing in training: its mean and variance come from the loaded data."""
    document = view.document
    if document.spec.node(node_id).type != "Normalization":
        return
    info = document.data_info
    action = menu.addAction(f"Adapt to {info.name}" if info is not None else "Adapt to the Loaded Data")
    if info is None or info.feature_mean is None:
        action.setEnabled(False)
        action.setToolTip("Load a dataset of numbers (Data panel) to measure its mean and variance")
        return
    mean, variance = info.feature_mean, info.feature_variance
    action.setToolTip(f"Set the mean and variance of each of its {len(mean)} features, measured on the training data")
    action.triggered.connect(lambda: document.edit(f"Adapt {node_id} to {info.name}",
                                                   lambda spec: adapt_normalization(spec, node_id, mean, variance),
                                                   select=lambda _: [node_id]))


def _add(menu: QMenu, text: str, slot, shortcut) -> QAction:
    action = menu.addAction(text, slot)
    action.setShortcut(QKeySequence(shortcut))
    return action
