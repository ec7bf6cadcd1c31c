"""Editor widgets for catalog parameters: one small class per `Param.kind`, picked from a lookup table.

Every editor speaks the JSON-safe values a project file stores, so the inspector never converts types.
`set_value` is silent and `edited` fires only when the user commits a change that differs from what was
last shown: the inspector can refresh every value after each validation without echoing edits back into
the undo stack. Text the user typed that cannot be read raises no edit; `invalid(message)` says why.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from gui.widgets.colors import ERROR
from gui.widgets.slots import guarded
from gui.widgets.wheel_guard import guard_wheel
from models.checks.shapes import fmt
from models.graph.catalog import Param
from models.graph.param_text import (
    parse_json_value,
    parse_list,
    parse_literal,
    parse_optional_numbers,
    render_list,
    render_optional_numbers,
    same_value,
    whole_number,
)

log = logging.getLogger(__name__)

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
FLOAT_LIMIT = 1e9
DECIMALS = 6
_UNITS = Param("units", "int", 32, "Size of the wrapped layer's hidden state", min=1)


@contextmanager
def silent(*widgets: QWidget) -> Iterator[None]:
    """Programmatic changes must not look like user edits."""
    previous = [widget.blockSignals(True) for widget in widgets]
    try:
        yield
    finally:
        for widget, was in zip(widgets, previous, strict=True):
            widget.blockSignals(was)


def _narrow(spin: QAbstractSpinBox, param: Param) -> QAbstractSpinBox:
    """Spin boxes size themselves for their widest number (2**31): let the dock decide instead."""
    spin.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    spin.setMinimumWidth(48)
    spin.setKeyboardTracking(False)  # valueChanged on Enter / focus out / arrows, not per keystroke
    spin.setToolTip(param.help)
    return spin


def _int_range(param: Param) -> tuple[int, int]:
    return (INT_MIN if param.min is None else int(param.min)), (INT_MAX if param.max is None else int(param.max))


def _int_spin(param: Param) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(*_int_range(param))
    spin.setAccelerated(True)
    return _narrow(spin, param)


def _show_int(spin: QSpinBox, value: Any, param: Param) -> None:
    """Widen the range to a stored out-of-range value so the form shows the file's truth; validation says
    what is wrong with it."""
    number = min(max(whole_number(value), INT_MIN), INT_MAX)
    low, high = _int_range(param)
    with silent(spin):
        spin.setRange(min(low, number), max(high, number))
        spin.setValue(number)


class ParamEditor(QWidget):
    """Common interface: `value()`, silent `set_value(value)`, `edited(value)` on user commits and
    `invalid(message)` when typed text cannot be read ('' once it can again)."""

    edited = Signal(object)
    invalid = Signal(str)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self._committed: Any = copy.deepcopy(param.default)
        self.setToolTip(param.help)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)

    def value(self) -> Any:
        """What the widgets show; text that cannot be read gives the last good value."""
        try:
            return self._read()
        except ValueError:
            return copy.deepcopy(self._committed)

    def set_value(self, value: Any) -> None:
        """Show a stored value without emitting; ValueError when the widgets cannot show it."""
        self._show(value)
        self._committed = copy.deepcopy(value)

    def refuse(self, stored: Any) -> None:
        """The receiver refused the last edit: the model still holds `stored`. The widgets keep what the user
        typed, to correct it; the next commit is compared with `stored`."""
        self._committed = copy.deepcopy(stored)

    def _read(self) -> Any:
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    @guarded
    def _commit(self, *_args: Any) -> None:
        try:
            value = self._read()
        except ValueError as error:
            self.invalid.emit(str(error))
            return
        self.invalid.emit("")
        if same_value(self.param, value, self._committed):
            return
        self._committed = copy.deepcopy(value)
        self.edited.emit(value)

    def _slot_failed(self, message: str) -> None:
        self.invalid.emit(message)


class IntEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = _int_spin(param)
        self.spin.valueChanged.connect(self._commit)
        self.row.addWidget(self.spin)

    def _read(self) -> int:
        return self.spin.value()

    def _show(self, value: Any) -> None:
        _show_int(self.spin, value, self.param)


class _FloatSpin(QDoubleSpinBox):
    """Shows 0.5 rather than 0.500000: six decimals of precision without the trailing zeros."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        text = f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text


class FloatEditor(ParamEditor):
    """Keeps the stored float exactly (1/255 has more digits than the box shows) until the user changes it."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self._exact: Any = None
        self.spin = _narrow(_FloatSpin(), param)
        self.spin.setLocale(QLocale.c())  # Keras values are written with a dot in files and code alike
        self.spin.setDecimals(DECIMALS)
        self.spin.setRange(*self._range())
        self.spin.setSingleStep(0.01 if self._range()[1] <= 1 else 0.1)
        self.spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.spin.valueChanged.connect(self._commit)
        self.row.addWidget(self.spin)

    def _range(self) -> tuple[float, float]:
        low = -FLOAT_LIMIT if self.param.min is None else float(self.param.min)
        return low, (FLOAT_LIMIT if self.param.max is None else float(self.param.max))

    def _read(self) -> float:
        shown = self.spin.value()
        if isinstance(self._exact, int | float) and round(self._exact, DECIMALS) == round(shown, DECIMALS):
            return self._exact
        return shown

    def _show(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        low, high = self._range()
        with silent(self.spin):
            self.spin.setRange(min(low, value), max(high, value))
            self.spin.setValue(value)
        self._exact = value


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.check = QCheckBox()
        self.check.setToolTip(param.help)
        self.check.clicked.connect(self._commit)  # clicked: by the user only, unlike toggled
        self.row.addWidget(self.check)
        self.row.addStretch(1)

    def _read(self) -> bool:
        return self.check.isChecked()

    def _show(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false")
        with silent(self.check):
            self.check.setChecked(value)


class ChoiceEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = QComboBox()
        self.combo.setToolTip(param.help)
        for choice in param.choices:
            self.combo.addItem(str(choice), choice)
        self.combo.activated.connect(self._commit)  # activated: by the user only
        self.row.addWidget(self.combo)

    def _read(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        with silent(self.combo):
            index = self.combo.findData(value)
            if index < 0:  # a value from a file that the catalog does not offer: show it; validation flags it
                self.combo.addItem(str(value), value)
                index = self.combo.count() - 1
            self.combo.setCurrentIndex(index)


class TextEditor(ParamEditor):
    """A line edit read on Enter / focus out through `parse`; `render` writes a stored value as text."""

    def __init__(self, param: Param, parent: QWidget | None = None, parse: Callable[[str], Any] = str,
                 render: Callable[[Any], str] = str) -> None:
        super().__init__(param, parent)
        self.parse, self.render = parse, render
        self.line = QLineEdit()
        self.line.setToolTip(param.help)
        self.line.editingFinished.connect(self._commit)
        self.invalid.connect(self._mark_invalid)
        self.row.addWidget(self.line)

    def _read(self) -> Any:
        return self.parse(self.line.text())

    def _show(self, value: Any) -> None:
        text = self.render(value)
        with silent(self.line):
            self.line.setText(text)
        self._mark_invalid("")

    def _mark_invalid(self, message: str) -> None:
        self.line.setStyleSheet(f"QLineEdit {{ border: 1px solid {ERROR}; }}" if message else "")


class IntTupleEditor(ParamEditor):
    """One spin box per axis; the '=' button links them so a square kernel stays square."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spins = [_int_spin(param) for _ in range(max(param.length, 1))]
        for spin in self.spins:
            spin.valueChanged.connect(self._spin_changed)
            self.row.addWidget(spin, 1)
        self.link = QToolButton()
        self.link.setText("=")
        self.link.setCheckable(True)
        self.link.setAutoRaise(True)
        self.link.setToolTip("Keep all values equal")
        self.link.setVisible(len(self.spins) > 1)
        self.link.clicked.connect(self._link_clicked)
        self.row.addWidget(self.link)
        self._link_set = False

    @property
    def linked(self) -> bool:
        return len(self.spins) > 1 and self.link.isChecked()

    def _read(self) -> Any:
        values = [spin.value() for spin in self.spins]
        return values[0] if self.param.length <= 1 else values

    def _show(self, value: Any) -> None:
        normalized = self.param.normalize(value)
        numbers = [whole_number(item) for item in (normalized if isinstance(normalized, list) else [normalized])]
        if len(numbers) != len(self.spins):
            raise ValueError(f"{value!r} does not have {len(self.spins)} values")
        for spin, number in zip(self.spins, numbers, strict=True):
            _show_int(spin, number, self.param)
        with silent(self.link):
            if len(set(numbers)) > 1:
                self.link.setChecked(False)
            elif not self._link_set:  # linked at first when equal; later the user's choice stands
                self.link.setChecked(True)
        self._link_set = True

    @guarded
    def _spin_changed(self, *_args: Any) -> None:
        source = self.sender()
        if self.linked and isinstance(source, QSpinBox):
            for spin in self.spins:
                if spin is not source:
                    _show_int(spin, source.value(), self.param)
        self._commit()

    @guarded
    def _link_clicked(self, *_args: Any) -> None:
        if self.link.isChecked():
            for spin in self.spins[1:]:
                _show_int(spin, self.spins[0].value(), self.param)
            self._commit()


class OptionalEditor(ParamEditor):
    """optional_int / optional_tuple: 'set' unchecked means None, and Keras picks the value (value_dim
    follows key_dim, pooling strides follow pool_size)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.check = QCheckBox("set")
        self.check.setToolTip(f"Unchecked: Keras's default. {param.help}")
        self.check.clicked.connect(self._toggled)
        inner = {"optional_tuple": IntTupleEditor, "optional_float": FloatEditor}.get(param.kind, IntEditor)
        self.inner: ParamEditor = inner(param)
        start = max(param.min or 1, 1) if param.kind == "optional_float" else max(int(param.min or 1), 1)
        self.inner.set_value(self.param.normalize(start))
        self.inner.setEnabled(False)
        self.inner.edited.connect(self._commit)
        self.row.addWidget(self.check)
        self.row.addWidget(self.inner, 1)

    def _read(self) -> Any:
        return self.inner.value() if self.check.isChecked() else None

    def _show(self, value: Any) -> None:
        if value is not None:
            self.inner.set_value(value)
        with silent(self.check):
            self.check.setChecked(value is not None)
        self.inner.setEnabled(value is not None)

    @guarded
    def _toggled(self, *_args: Any) -> None:
        self.inner.setEnabled(self.check.isChecked())
        self._commit()


class RecurrentLayerEditor(ParamEditor):
    """The wrapped layer: its class, and either a units spin box (the usual case) or its config as JSON."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.class_combo = QComboBox()
        self.class_combo.addItems([str(choice) for choice in param.choices])
        self.class_combo.setToolTip("The recurrent layer to wrap")
        self.class_combo.activated.connect(self._commit)
        self.units = _int_spin(_UNITS)
        self.units.valueChanged.connect(self._commit)
        self.config_line = QLineEdit()
        self.config_line.setToolTip("The wrapped layer's config as JSON, e.g. {\"units\": 32}")
        self.config_line.editingFinished.connect(self._commit)
        for widget in (self.class_combo, self.units, self.config_line):
            self.row.addWidget(widget, 1)
        self._simple = True

    def _read(self) -> dict[str, Any]:
        if self._simple:
            config: Any = {"units": self.units.value()}
        else:
            try:
                config = json.loads(self.config_line.text() or "{}")
            except json.JSONDecodeError as error:
                raise ValueError(f"The config is not valid JSON: {error.msg}.") from None
            if not isinstance(config, dict):
                raise ValueError('The config must be a JSON object, e.g. {"units": 32}.')
        return {"class_name": self.class_combo.currentText(), "config": config}

    def _show(self, value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("config", {}), dict):
            raise ValueError(f"{value!r} is not a layer description")
        config = value.get("config", {})
        self._simple = set(config) == {"units"} and isinstance(config["units"], int)
        with silent(self.class_combo, self.units, self.config_line):
            name = str(value.get("class_name", ""))
            if self.class_combo.findText(name) < 0:
                self.class_combo.addItem(name)
            self.class_combo.setCurrentText(name)
            if self._simple:
                _show_int(self.units, config["units"], _UNITS)
            self.config_line.setText(json.dumps(config))
        self.units.setVisible(self._simple)
        self.config_line.setVisible(not self._simple)


class KerasLayerView(ParamEditor):
    """An imported layer's Keras description, read-only: its class, its configuration and the shapes Keras
    measured. Editing it would make the measured shapes untrue; the layer is changed by replacing it."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumHeight(160)
        self.row.addWidget(self.text)
        self._value: Any = None

    def _read(self) -> Any:
        return copy.deepcopy(self._value)

    def _show(self, value: Any) -> None:
        self._value = copy.deepcopy(value)
        self.text.setPlainText(keras_layer_text(value) if isinstance(value, dict) else "")


def keras_layer_text(layer: dict) -> str:
    """What a person wants to read of an imported layer: class and module, measured shapes, then the config."""
    shapes = " and ".join(fmt(tuple(s)) for s in layer.get("input_shapes", []))
    trainable, frozen = (layer.get("params") or [0, 0])[:2]
    lines = [f"{layer.get('class_name')}  ({layer.get('module') or 'Keras'})",
             f"measured: {shapes} -> {fmt(tuple(layer.get('output_shape', [])))}",
             f"parameters: {trainable:,} trainable, {frozen:,} non-trainable", "",
             json.dumps(layer.get("config", {}), indent=2)]
    return "\n".join(lines)


EDITORS: dict[str, Callable[[Param, QWidget | None], ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "str": TextEditor,
    "shape": functools.partial(TextEditor, parse=parse_list, render=render_list),
    "int_list": functools.partial(TextEditor, parse=parse_list, render=render_list),
    "int_tuple": IntTupleEditor,
    "optional_int": OptionalEditor,
    "optional_tuple": OptionalEditor,
    "optional_float": OptionalEditor,
    "optional_floats": functools.partial(TextEditor, parse=parse_optional_numbers, render=render_optional_numbers),
    "float_range": functools.partial(TextEditor, parse=parse_literal, render=render_list),
    "padding2d": functools.partial(TextEditor, parse=parse_literal, render=render_list),
    "recurrent_layer": RecurrentLayerEditor,
    "keras_layer": KerasLayerView,
    "keras_arguments": functools.partial(TextEditor, parse=parse_json_value, render=json.dumps),
}


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    """The editor for `param.kind` (JSON text for a kind without one), showing the catalog default."""
    factory = EDITORS.get(param.kind) or functools.partial(TextEditor, parse=parse_json_value, render=json.dumps)
    editor = factory(param, parent)
    editor.set_value(param.default)
    guard_wheel(editor)  # forms are scrolled with the wheel: a field takes it only once focused
    return editor
