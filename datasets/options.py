"""A data source's options described as data, and the check of one value against its description.

The Data panel builds its form from these (the same editors as the layer inspector, which read the same
fields); `registry.resolve_options` checks a project file's values with `option_problem` before anything is
generated. Kept here, in the lowest layer, so that datasets imports nothing of models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """One loader keyword argument: kind is int, float, bool, choice or str."""

    name: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()
    length: int = 0  # the editors' field for tuples; options are scalars

    def normalize(self, value: Any) -> Any:
        """Scalars have one form (the editors compare through this)."""
        return value


def quote(value: Any, limit: int = 80) -> str:
    """A value from a file, shown short enough for a message."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_problem(option: Option, value: Any) -> str | None:
    """Why `value` cannot be used for `option` (its kind and declared range), or None."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if option.kind == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
        return f"{option.name} must be a whole number, got {quote(value)}"
    if option.kind == "float" and not (number and math.isfinite(value)):
        return f"{option.name} must be a number, got {quote(value)}"
    if option.kind == "bool" and not isinstance(value, bool):
        return f"{option.name} must be true or false, got {quote(value)}"
    if option.kind in ("str", "choice") and not isinstance(value, str):
        return f"{option.name} must be text, got {quote(value)}"
    if option.kind == "choice" and value not in option.choices:
        return f"{option.name} '{quote(value)}' is not one of: {', '.join(map(str, option.choices))}"
    if option.kind in ("int", "float"):
        if option.min is not None and value < option.min:
            return f"{option.name} must be at least {option.min:g}, got {quote(value)}"
        if option.max is not None and value > option.max:
            return f"{option.name} must be at most {option.max:g}, got {quote(value)}"
    return None
