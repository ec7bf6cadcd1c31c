"""Checking parameter values against the catalog, with messages a person can act on.

`type_error` is what a project file may not contain (a string where a number belongs); `range_error`
is a value of the right type that Keras would reject or that makes no sense (negative units, an unknown
activation). Both return a message or None; neither raises.
"""

from __future__ import annotations

import math
from typing import Any

from datasets.options import quote
from models.graph.catalog import Param, layer_type

MAX_RANK = 16  # dimensions of a shape (TensorFlow's kernels handle up to 8)
INT_LIMIT = 2**31 - 1  # what Keras and the editors' spin boxes hold; 10^400 units would overflow the summary


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -INT_LIMIT - 1 <= value <= INT_LIMIT


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) <= 1e300)


def _int_tuple_ok(value: Any, length: int) -> bool:
    return _is_int(value) or (isinstance(value, list | tuple) and len(value) == length
                              and all(_is_int(v) for v in value))


def type_error(param: Param, value: Any) -> str | None:
    """Why `value` has the wrong JSON type for `param`, or None."""
    kind = param.kind
    ok = {
        "int": lambda v: _is_int(v),
        "float": _is_number,
        "bool": lambda v: isinstance(v, bool),
        "choice": lambda v: isinstance(v, str),
        "str": lambda v: isinstance(v, str),
        "shape": lambda v: isinstance(v, list | tuple) and 0 < len(v) <= MAX_RANK
        and all(_is_int(d) or d is None for d in v),
        "int_list": lambda v: isinstance(v, list | tuple) and 0 < len(v) <= MAX_RANK and all(_is_int(d) for d in v),
        "int_tuple": lambda v: _int_tuple_ok(v, param.length),
        "optional_tuple": lambda v: v is None or _int_tuple_ok(v, param.length),
        "optional_int": lambda v: v is None or _is_int(v),
        "optional_float": lambda v: v is None or _is_number(v),
        "optional_floats": lambda v: v is None or _is_number(v) or (isinstance(v, list | tuple) and 0 < len(v) <= 65536
                                                                     and all(_is_number(x) for x in v)),
        "float_range": lambda v: _is_number(v) or (isinstance(v, list | tuple) and len(v) == 2
                                                   and all(_is_number(x) for x in v)),
        "padding2d": lambda v: _int_tuple_ok(v, 2) or (isinstance(v, list | tuple) and len(v) == 2 and all(
            _int_tuple_ok(p, 2) and not _is_int(p) for p in v)),
        "recurrent_layer": lambda v: isinstance(v, dict) and isinstance(v.get("class_name"), str)
        and isinstance(v.get("config", {}), dict),
        "keras_layer": lambda v: v is None or keras_layer_problem(v) is None,
        "keras_arguments": lambda v: isinstance(v, dict) and len(v) <= 64 and all(isinstance(k, str) for k in v),
    }[kind]
    if ok(value):
        return None
    expected = {
        "int": "a whole number", "float": "a number", "bool": "true or false", "choice": "a name",
        "str": "text", "shape": "a list of whole numbers, e.g. [28, 28, 1]",
        "int_list": "a list of whole numbers",
        "int_tuple": f"a whole number or a list of {param.length}",
        "optional_tuple": f"null, a whole number or a list of {param.length}",
        "optional_int": "a whole number or null", "optional_float": "a number or null",
        "optional_floats": "null, a number or a list of numbers",
        "float_range": "a number or [low, high]",
        "padding2d": "n, [h, w] or [[top, bottom], [left, right]]",
        "recurrent_layer": '{"class_name": "LSTM", "config": {"units": 32}}',
        "keras_arguments": "an object of Keras argument names and values",
        "keras_layer": "a Keras layer's description as Strata's import writes it: "
        + (keras_layer_problem(value) or "") if isinstance(value, dict) else "a Keras layer's description (an object)",
    }[kind]
    if _too_large(value):
        expected += f" (whole numbers within ±{INT_LIMIT:,}, numbers finite)"
    if kind in ("shape", "int_list") and isinstance(value, list | tuple) and len(value) > MAX_RANK:
        expected += f" (at most {MAX_RANK} of them)"
    return f"{param.name} must be {expected}, got {quote(repr(value))}"


def _shape_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_RANK and all(v is None or _is_int(v) for v in value)


def keras_layer_problem(value: dict) -> str | None:
    """What is missing or malformed in an imported layer's description (see `models.building.keras_import`)."""
    checks = (
        ("class_name", lambda v: isinstance(v, str) and 0 < len(v) <= 200, "its Keras class name"),
        ("module", lambda v: v is None or (isinstance(v, str) and len(v) <= 200), "the module of its class"),
        ("registered_name", lambda v: v is None or (isinstance(v, str) and len(v) <= 200), "its registered name"),
        ("config", lambda v: isinstance(v, dict), "its configuration (an object)"),
        ("call", lambda v: isinstance(v, dict) and isinstance(v.get("args"), list)
         and isinstance(v.get("kwargs"), dict), "how it is called ({'args': [...], 'kwargs': {...}})"),
        ("input_shapes", lambda v: isinstance(v, list) and 0 < len(v) <= 16 and all(_shape_list(s) for s in v),
         "the input shapes it was measured with"),
        ("output_shape", _shape_list, "its measured output shape"),
        ("params", lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(n) and n >= 0 for n in v),
         "its [trainable, non-trainable] parameter counts"),
    )
    for key, ok, what in checks:
        if not ok(value.get(key)):
            return f"'{key}' must be {what}"
    return None


def _too_large(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_too_large(v) for v in value)
    return (isinstance(value, int) and not isinstance(value, bool) and not _is_int(value)) or (
        isinstance(value, float) and not _is_number(value))


def _flat_ints(value: Any) -> list[int]:
    if value is None:
        return []
    if _is_int(value):
        return [value]
    out: list[int] = []
    for item in value:
        out.extend(_flat_ints(item))
    return out


def range_error(param: Param, value: Any) -> str | None:
    """Why a well-typed value is still not acceptable, or None."""
    if param.kind == "choice" and value not in param.choices:
        shown = ", ".join(map(str, param.choices[:12]))
        more = f" and {len(param.choices) - 12} more (the inspector lists them)" if len(param.choices) > 12 else ""
        return f"{param.name} '{quote(value)}' is not one of: {shown}{more}"
    if param.kind in ("int", "float", "optional_float") and value is not None:
        if param.min is not None and value < param.min:
            return f"{param.name} must be at least {param.min:g}, got {quote(value)}"
        if param.max is not None and value > param.max:
            return f"{param.name} must be at most {param.max:g}, got {quote(value)}"
    if param.kind in ("int_tuple", "optional_tuple", "optional_int", "padding2d", "shape", "int_list"):
        numbers = [v for v in _flat_ints(value) if v is not None]
        if param.min is not None and any(v < param.min for v in numbers):
            limit = "positive" if param.min == 1 else f"at least {param.min:g}"
            return f"{param.name} values must be {limit}, got {quote(value)}"
    if param.kind == "optional_floats" and value is not None and param.min is not None:
        if any(v < param.min for v in (value if isinstance(value, list | tuple) else [value])):
            return f"{param.name} values must be at least {param.min:g}"
    if param.kind == "float_range":
        low, high = (-value, value) if _is_number(value) else value
        if _is_number(value) and value < 0:
            return f"{param.name} must not be negative, got {quote(value)}"
        if low > high:
            return f"{param.name} [low, high] has low above high: {quote(value)}"
    special = {"recurrent_layer": _recurrent_layer_error, "keras_arguments": _keras_arguments_error}.get(param.kind)
    return special(param, value) if special else None


def _keras_arguments_error(param: Param, value: dict) -> str | None:
    odd = [name for name in value if name not in param.choices]
    if odd:
        return (f"{param.name} may hold {', '.join(param.choices)}; not '{quote(odd[0])}' (another argument could "
                "change the layer's shape, or the layer does not take it)")
    return None


def _recurrent_layer_error(param: Param, value: dict) -> str | None:
    class_name = value["class_name"]
    if class_name not in param.choices:
        return f"{param.name} must wrap one of {', '.join(param.choices)}, got '{quote(class_name)}'"
    inner = layer_type(class_name)
    for name, inner_value in value.get("config", {}).items():
        if name not in inner.param_index:
            return f"{class_name} has no parameter '{quote(name)}'"
        problem = type_error(inner.param(name), inner_value) or range_error(inner.param(name), inner_value)
        if problem:
            return f"{class_name} {problem}"
    return None
