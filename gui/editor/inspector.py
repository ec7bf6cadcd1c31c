"""The inspector: the form for the selected layer, built from its catalog entry.

It edits nothing itself. A committed change is checked for its JSON type (so a project never stores a
string where a number belongs) and sent out as `param_changed`; the editor applies it through the undo
stack and calls `show_node` again with the new report. That second call updates values and messages in
place, keeping the widget the user is typing in, and rebuilds the form only for another layer.
"""

from __future__ import annotations

import copy
import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.colors import ERROR, muted_style
from gui.widgets.empty_state import EmptyState
from gui.widgets.param_editors import ParamEditor, make_editor
from gui.widgets.slots import guarded
from models.checks.problems import Problem
from models.checks.shapes import keras_shape
from models.checks.validate import NodeReport
from models.graph.catalog import CATALOG, LayerType, Param
from models.graph.param_text import same_value
from models.graph.params import type_error
from models.graph.spec import LayerNode

log = logging.getLogger(__name__)

EMPTY_TEXT = "Select a layer on the canvas to edit its parameters."
ERROR_COLOR = ERROR
WARNING_COLOR = "#b26a00"  # amber dark enough to read as text on a light panel


@dataclass
class ParamRow:
    """One parameter's widgets, and the messages it shows: the editor's own (text that cannot be read, a
    wrong type) wins over validation's, which describe the last value the model accepted."""

    param: Param
    label: QLabel
    editor: ParamEditor
    reset: QToolButton
    message: QLabel
    client_error: str = ""
    problems: list[Problem] = field(default_factory=list)


def _message_style(color: str, boxed: bool = False) -> str:
    box = f"border: 1px solid {color}; border-radius: 4px; padding: 6px;" if boxed else ""
    return f"QLabel {{ color: {color}; {box} }}"


class Inspector(QWidget):
    """Signals: `param_changed(node_id, name, value)` and `rename_requested(node_id, new_id)`."""

    param_changed = Signal(str, str, object)
    rename_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, ParamRow] = {}
        self._built_for: tuple[str, str] | None = None  # (node id, type) the form was built for
        self._shown: LayerNode | None = None
        self.empty = EmptyState("No layer selected", EMPTY_TEXT)
        self.content = QWidget()
        self.type_label = QLabel()
        font = self.type_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.type_label.setFont(font)
        self.teaching_label = self._wrapping_label(muted_style())
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("The layer's name: unique in the model, also its Keras name")
        self.name_edit.editingFinished.connect(self._rename)
        self.shape_label = QLabel()
        self.shape_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_box = self._wrapping_label(_message_style(ERROR_COLOR, boxed=True))
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form wraps instead
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("Name"))
        name_row.addWidget(self.name_edit, 1)
        column = QVBoxLayout(self.content)
        column.setContentsMargins(6, 6, 6, 6)
        for widget in (self.type_label, self.teaching_label):
            column.addWidget(widget)
        column.addLayout(name_row)
        column.addWidget(self.shape_label)
        column.addWidget(self.problem_box)
        column.addWidget(self.scroll, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    # ----- public ---------------------------------------------------------------------------------------
    @property
    def node_id(self) -> str | None:
        """The layer the form edits (None while nothing is selected)."""
        return self._shown.id if self._shown else None

    def show_node(self, node: LayerNode | None, report: NodeReport | None) -> None:
        """Show `node`'s form; the same node again (after an edit) only refreshes values and messages."""
        self._shown = node
        if node is None:
            self.stack.setCurrentWidget(self.empty)
            return
        if self._built_for != (node.id, node.type):
            self._build(node, CATALOG.get(node.type))
        self._refresh(node, report)
        self.stack.setCurrentWidget(self.content)

    # ----- building -------------------------------------------------------------------------------------
    def _wrapping_label(self, style: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet(style)
        return label

    def _build(self, node: LayerNode, kind: LayerType | None) -> None:
        self._built_for = (node.id, node.type)
        self.type_label.setText(node.type)
        self.teaching_label.setText(kind.teaching if kind else "Strata does not know this layer type.")
        self.name_edit.setText(node.id)
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()  # not `delete`: this may run inside a slot of one of its widgets
        self.rows = {}
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for param in kind.params if kind else ():
            if param.kind == "keras_arguments" and not node.params.get(param.name):
                continue  # only an imported layer carries them: no empty row on every layer a student adds
            row, field_widget = self._make_row(param)
            self.rows[param.name] = row
            form.addRow(row.label, field_widget)
        if kind is not None and not kind.params:
            note = self._wrapping_label(muted_style())
            note.setText("This layer has no parameters.")
            form.addRow(note)
        self.scroll.setWidget(form_widget)

    def _make_row(self, param: Param) -> tuple[ParamRow, QWidget]:
        editor = make_editor(param)
        label = QLabel(param.name)
        label.setToolTip(param.help)
        label.setBuddy(editor)
        reset = QToolButton()
        reset.setText("↺")
        reset.setAutoRaise(True)
        reset.setToolTip(f"Reset to the default ({editor.value()!r})")
        reset.hide()
        message = self._wrapping_label("")
        message.hide()
        row = ParamRow(param, label, editor, reset, message)
        editor.edited.connect(functools.partial(self._on_edited, param.name))
        editor.invalid.connect(functools.partial(self._on_invalid, param.name))
        reset.clicked.connect(functools.partial(self._on_reset, param.name))
        container = QWidget()
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        line = QHBoxLayout()
        line.addWidget(editor, 1)
        line.addWidget(reset)
        column.addLayout(line)
        column.addWidget(message)
        return row, container

    # ----- refreshing -----------------------------------------------------------------------------------
    def _refresh(self, node: LayerNode, report: NodeReport | None) -> None:
        problems = list(report.problems) if report else []
        values = {**(CATALOG[node.type].defaults() if node.type in CATALOG else {}), **node.params}
        for name, row in self.rows.items():
            value = values.get(name, row.param.default)
            if not same_value(row.param, row.editor.value(), value):
                try:
                    row.editor.set_value(value)
                    row.client_error = ""  # the model's value replaces what was typed
                except (TypeError, ValueError, IndexError) as error:
                    log.debug("cannot show %s=%r: %s", name, value, error)  # validation names the bad value
            self._mark_default(row, value)
            row.problems = [p for p in problems if p.field == name]
            self._show_row_messages(row)
        others = [p for p in problems if p.field not in self.rows]
        self.problem_box.setText("\n".join(f"• {self._short(p.message)}" for p in others))
        color = ERROR_COLOR if any(p.severity == "error" for p in others) else WARNING_COLOR
        self.problem_box.setStyleSheet(_message_style(color, boxed=True))
        self.problem_box.setVisible(bool(others))
        if report is None:
            self.shape_label.setText("")
        elif report.output_shape is None:
            self.shape_label.setText("Output unknown until the problems are fixed")
        else:
            self.shape_label.setText(f"Output {keras_shape(report.output_shape)} · {report.params:,} params")
        if not self.name_edit.hasFocus():
            self.name_edit.setText(node.id)

    def _short(self, message: str) -> str:
        """Drop validation's "Conv2D 'conv2d_1': " prefix: the form already says which layer it is."""
        if self._built_for is None:
            return message
        node_id, type_name = self._built_for
        return message.removeprefix(f"{type_name} '{node_id}': ")

    def _mark_default(self, row: ParamRow, value: Any) -> None:
        changed = not same_value(row.param, value, row.param.default)
        font = row.label.font()
        font.setBold(changed)
        row.label.setFont(font)
        row.reset.setVisible(changed and row.param.kind != "keras_layer")  # an import's record, not a setting

    def _show_row_messages(self, row: ParamRow) -> None:
        if row.client_error:
            text, color = row.client_error, ERROR_COLOR
        else:
            text = "\n".join(self._short(p.message) for p in row.problems)
            color = ERROR_COLOR if any(p.severity == "error" for p in row.problems) else WARNING_COLOR
        row.message.setText(text)
        row.message.setStyleSheet(_message_style(color))
        row.message.setVisible(bool(text))

    # ----- user edits -----------------------------------------------------------------------------------
    @guarded
    def _on_edited(self, name: str, value: Any) -> None:
        row = self.rows.get(name)
        if row is None or self._shown is None:
            return
        row.client_error = type_error(row.param, value) or ""
        self._show_row_messages(row)
        if row.client_error:
            row.editor.refuse(self._shown.params.get(name, row.param.default))
            return
        self._mark_default(row, value)
        self.param_changed.emit(self._shown.id, name, value)

    @guarded
    def _on_invalid(self, name: str, message: str) -> None:
        row = self.rows.get(name)
        if row is not None and message != row.client_error:
            row.client_error = message
            self._show_row_messages(row)

    @guarded
    def _on_reset(self, name: str, *_args: Any) -> None:
        row = self.rows.get(name)
        if row is None or self._shown is None:
            return
        default = copy.deepcopy(row.param.default)
        row.editor.set_value(default)
        row.client_error = ""
        self._mark_default(row, default)
        self._show_row_messages(row)
        self.param_changed.emit(self._shown.id, name, copy.deepcopy(default))

    @guarded
    def _rename(self, *_args: Any) -> None:
        if self._shown is None:
            return
        old, new = self._shown.id, self.name_edit.text().strip()
        if new and new != old:
            self.rename_requested.emit(old, new)
        if self.node_id == old:  # not renamed (refused, or applied later): show the current name
            self.name_edit.setText(old)

    def _slot_failed(self, message: str) -> None:
        self.problem_box.setText(message)
        self.problem_box.setStyleSheet(_message_style(ERROR_COLOR, boxed=True))
        self.problem_box.show()


def _demo() -> None:
    """`python -m gui.editor.inspector`: the form for a Conv2D after a 28x28 input, edits applied to a real spec."""
    import sys

    from PySide6.QtWidgets import QApplication

    from models.checks.validate import validate
    from models.graph.spec import GraphError, ModelSpec

    app = QApplication.instance() or QApplication(sys.argv)
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [28, 28, 1]}, node_id="input_1")
    conv = spec.append("Conv2D", {"strides": [2, 2]})
    inspector = Inspector()

    def show(node_id: str) -> None:
        inspector.show_node(spec.node(node_id), validate(spec).nodes[node_id])

    def set_param(node_id: str, name: str, value: Any) -> None:
        spec.set_params(node_id, **{name: value})
        show(node_id)

    def rename(node_id: str, new_id: str) -> None:
        try:
            spec.rename(node_id, new_id)
            show(new_id)
        except GraphError as error:
            log.warning("%s", error)

    inspector.param_changed.connect(set_param)
    inspector.rename_requested.connect(rename)
    show(conv)
    inspector.resize(360, 680)
    inspector.show()
    sys.exit(app.exec())


if __name__ == "__main__":
    _demo()
