"""Parameter values as a person types them in the inspector's text fields, and back: literals only, never code.

Qt-free so the rules can be tested alone; the editors in `gui/widgets/param_editors.py` call them.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from models.graph.catalog import Param

_NULLS = re.compile(r"\b(?:null|none)\b|\?", re.IGNORECASE)


def same_value(param: Param, a: Any, b: Any) -> bool:
    """3 and [3, 3] are the same kernel_size; malformed values compare as they are."""
    try:
        return param.normalize(a) == param.normalize(b)
    except (TypeError, ValueError, IndexError, KeyError):
        return a == b


def parse_literal(text: str) -> Any:
    """Read what a person types ('28, 28, 1', '[28, 28, 1]', '(1, 2)', 'None, 64'): literals only, never code."""
    cleaned = _NULLS.sub("None", text.strip())
    if not cleaned:
        raise ValueError("Enter a value.")
    try:
        value = ast.literal_eval(cleaned)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"Cannot read '{text.strip()}': write numbers separated by commas.") from None
    value = _as_lists(value)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(f"Cannot read '{text.strip()}': use plain numbers.") from None
    return value


def _as_lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_as_lists(item) for item in value]
    return value


def whole_number(value: Any) -> int:
    """3 and 3.0 are 3; 3.5, True and '3' are refused (a stored value the spin box cannot show as it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def parse_json_value(text: str) -> Any:
    """A JSON field (a dict parameter such as a regularizer's config), with the parser's reason when it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"Not valid JSON: {error.msg}.") from None


def parse_list(text: str) -> list:
    """shape / int_list: '28, 28, 1' or '[28, 28, 1]'; a single number is a one-axis list."""
    value = parse_literal(text)
    return value if isinstance(value, list) else [value]


def render_list(value: Any) -> str:
    """[28, 28, 1] as '28, 28, 1'; nested lists (padding) as JSON. repr keeps every digit of a float."""
    if not isinstance(value, list | tuple):
        return repr(value)
    if any(isinstance(item, list | tuple) for item in value):
        return json.dumps(value)
    return ", ".join(repr(item) for item in value)


def parse_optional_numbers(text: str) -> Any:
    """optional_floats: empty (or 'None') for none, else a number or numbers separated by commas."""
    if not _NULLS.sub("", text.strip()).strip():
        return None
    return parse_literal(text)


def render_optional_numbers(value: Any) -> str:
    """None as an empty field; numbers as `render_list` writes them."""
    return "" if value is None else render_list(value)
