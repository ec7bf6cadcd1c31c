"""Short human descriptions of layers, for canvas cards and lists ("Conv2D · 32 · 3x3 · relu")."""

from __future__ import annotations

from typing import Any

from models.graph.catalog import CATALOG
from models.graph.spec import LayerNode

SEPARATOR = " · "


def short_value(value: Any) -> str:
    """3 -> '3'; [3, 3] -> '3x3'; [28, 28, 1] -> '28x28x1'; None -> '?'; True -> 'yes'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "?"
    if isinstance(value, list | tuple):
        return "x".join(short_value(v) for v in value) if value else "[]"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return str(value.get("class_name", "…"))
    return str(value)


def layer_summary(node: LayerNode) -> str:
    """The layer type and its key parameters: the required ones, and the others where not at their default
    (so 'padding valid' and 'activation linear' do not crowd every card)."""
    kind = CATALOG.get(node.type)
    if kind is None:
        return node.type
    values = node.effective_params()
    parts = [node.type]
    for param in kind.params:
        if not param.key:
            continue
        value = values.get(param.name)
        if param.required or not param.is_default(value):
            parts.append(short_value(param.normalize(value)))
    if node.type == "Normalization" and values.get("mean") is not None:  # not the numbers: they fill the card
        parts.append("adapted")
    if values.get("trainable") is False:
        parts.append("frozen")  # its weights stay as they are while the rest trains
    return SEPARATOR.join(parts)
