"""What differs between two architectures, layer by layer (matched by layer id, Strata's stable names): layers
added, removed, changed (type, parameters with defaults filled in, inputs). The canvas colours the cards by it
and lists the changed parameters; the Runs tab's diff says the same in lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasets.options import quote
from models.graph.catalog import CATALOG
from models.graph.spec import LayerNode, ModelSpec

ADDED, CHANGED = "added", "changed"


@dataclass(frozen=True)
class ArchitectureDiff:
    """`added` and `removed`: layer id -> type; `changed`: layer id -> lines such as "units: 32 → 64"."""

    added: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def status(self, layer_id: str) -> str | None:
        if layer_id in self.added:
            return ADDED
        return CHANGED if layer_id in self.changed else None

    def summary(self) -> str:
        if self.same:
            return "the same architecture"
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} added")
        if self.removed:
            removed = ", ".join(f"{i} ({t})" for i, t in list(self.removed.items())[:4])
            more = f" and {len(self.removed) - 4} more" if len(self.removed) > 4 else ""
            parts.append(f"{len(self.removed)} removed: {removed}{more}")
        if self.changed:
            parts.append(f"{len(self.changed)} changed")
        return "; ".join(parts)


def architecture_diff(other: ModelSpec, current: ModelSpec) -> ArchitectureDiff:
    """How `current` differs from `other` (the run compared with): what it added, removed and changed."""
    added = {i: n.type for i, n in current.nodes.items() if i not in other.nodes}
    removed = {i: n.type for i, n in other.nodes.items() if i not in current.nodes}
    changed = {}
    for layer_id, node in current.nodes.items():
        before = other.nodes.get(layer_id)
        if before is None:
            continue
        lines = _layer_changes(before, node)
        if other.shared.get(layer_id) != current.shared.get(layer_id):
            lines.append(f"shares: {quote(other.shared.get(layer_id))} → {quote(current.shared.get(layer_id))}")
        if lines:
            changed[layer_id] = lines
    return ArchitectureDiff(added, removed, changed)


def _layer_changes(before: LayerNode, after: LayerNode) -> list[str]:
    if before.type != after.type:
        return [f"type: {before.type} → {after.type}"]
    lines = []
    kind = CATALOG.get(after.type)
    names = [p.name for p in kind.params] if kind else sorted(set(before.params) | set(after.params))
    for name in names:
        old, new = _value(kind, name, before.params), _value(kind, name, after.params)
        if old != new:
            lines.append(f"{name}: {quote(old)} → {quote(new)}")
    if before.inputs != after.inputs:
        lines.append(f"inputs: {', '.join(before.inputs) or 'none'} → {', '.join(after.inputs) or 'none'}")
    return lines


def _value(kind: Any, name: str, params: dict[str, Any]) -> Any:
    """A parameter as the layer has it: its default when left out, in one form (3 and [3, 3] alike)."""
    if kind is None or name not in kind.param_index:
        return params.get(name)
    param = kind.param(name)
    return param.normalize(params.get(name, param.default))
