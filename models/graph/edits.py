"""The canvas's edits as plain operations on a `ModelSpec`: where a dropped layer goes, and copying and pasting
layers as JSON text. No Qt: the canvas maps the pointer to a `DropTarget` and the clipboard to text, then
hands these to `ProjectDocument.edit` (one undo step each)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from models.graph.catalog import CATALOG
from models.graph.spec import GraphError, ModelSpec

CLIPBOARD_KEY = "strata_layers"
# A new hidden layer of these kinds starts with ReLU, shown in the inspector and changeable: Keras's own default is
# linear, and a stack of linear layers is one linear map (a student's first CNN learned nothing without it).
SUGGESTED_ACTIVATION = "relu"
SUGGESTS_ACTIVATION = frozenset({"Dense", "Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv2D",
                                 "DepthwiseConv2D"})
# A new layer whose Keras default does nothing starts doing something visible (a file that leaves the parameter
# out still means Keras's default).
SUGGESTED_PARAMS = {"Cropping2D": {"cropping": [1, 1]}}


@dataclass(frozen=True)
class DropTarget:
    """Where a new layer goes: start | append | after(node) | before(node) | between(node, target) |
    branch(node)."""

    kind: str
    node: str | None = None
    target: str | None = None
    port: int | None = None

    def apply(self, spec: ModelSpec, type_name: str) -> str:
        """Add a new `type_name` layer here; returns its id."""
        new = self._insert(spec, type_name)
        if type_name in SUGGESTS_ACTIVATION:
            spec.nodes[new].params.setdefault("activation", SUGGESTED_ACTIVATION)
        for name, value in SUGGESTED_PARAMS.get(type_name, {}).items():
            spec.nodes[new].params.setdefault(name, value)
        return new

    def _insert(self, spec: ModelSpec, type_name: str) -> str:
        if self.kind == "start" or CATALOG[type_name].is_input:
            return spec.add_node(type_name)
        if self.kind == "append":
            return spec.append(type_name)
        if self.kind == "after":
            return spec.insert_after(self.node, type_name)
        if self.kind == "before":
            return spec.insert_before(self.node, type_name)
        if self.kind == "between":
            return spec.insert_between(self.node, self.target, type_name, port=self.port)
        return spec.branch(self.node, type_name)


def default_target(spec: ModelSpec, selected: list[str]) -> DropTarget:
    """Where a layer added without a drop goes: after the selected layer, else at the end (or as the start)."""
    if selected:
        return DropTarget("after", selected[-1])
    return DropTarget("append" if len(spec) else "start")


def copied_text(spec: ModelSpec, ids: list[str]) -> str:
    """The layers `ids` (in model order, with the connections among them) as clipboard text.

    Plain JSON text, not a custom Qt mime object: the clipboard would own a Python-made object past interpreter
    exit (a crash at quit), and text can be pasted into another Strata or an editor."""
    order = [n for n in spec.nodes if n in ids]
    layers = [{"id": n, "type": spec.nodes[n].type, "params": spec.nodes[n].params,
               "inputs": [i for i in spec.nodes[n].inputs if i in ids]} for n in order]
    return json.dumps({CLIPBOARD_KEY: layers})


def clipboard_layers(text: str) -> list[dict]:
    """Layers copied from a canvas (JSON text), or [] when the clipboard holds something else."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    layers = data.get(CLIPBOARD_KEY) if isinstance(data, dict) else None
    if not isinstance(layers, list):
        return []
    valid = all(isinstance(layer, dict) and layer.get("type") in CATALOG and isinstance(layer.get("params"), dict)
                and isinstance(layer.get("inputs"), list) and isinstance(layer.get("id"), str) for layer in layers)
    return layers if valid else []


def paste_layers(spec: ModelSpec, copied: ModelSpec, selected: list[str]) -> list[str]:
    """Add `copied`'s layers to `spec` after the selected layer (or the last output); returns the new ids.

    `tail` is where the pasted stack continues: a layer fed by nothing copied, or by the tail, goes right after
    the tail (taking over its consumers); other copied connections are kept as they were."""
    tail = selected[-1] if selected else (spec.output_ids() or [None])[-1]
    renamed: dict[str, str] = {}
    for node in copied.nodes.values():
        inputs = [renamed[i] for i in node.inputs]
        params = dict(node.params)
        if CATALOG[node.type].is_input:
            new = spec.add_node(node.type, params)
        elif tail is not None and (not inputs or inputs == [tail]):
            new = tail = spec.insert_after(tail, node.type, params)
        else:
            new = spec.add_node(node.type, params, inputs)
        renamed[node.id] = new
    return list(renamed.values())


def remove_layers(spec: ModelSpec, ids: list[str]) -> None:
    for node_id in ids:
        spec.remove(node_id)


def edit_name(verb: str, ids: list[str]) -> str:
    """The undo entry for an edit of several layers: "Delete dense_1, dense_2", or "Delete 5 layers"."""
    return f"{verb} {', '.join(ids)}" if len(ids) < 4 else f"{verb} {len(ids)} layers"


def freeze_up_to(spec: ModelSpec, node_id: str) -> list[str]:
    """Transfer learning's first step: this layer and every layer before it keep their weights while the rest
    trains (`trainable` false); the layers changed."""
    changed = []
    for target in sorted(spec.upstream(node_id) | {node_id}):
        node = spec.nodes[target]
        if "trainable" in CATALOG[node.type].param_index and node.params.get("trainable", True):
            node.params["trainable"] = False
            changed.append(target)
    return changed


def unfreeze_all(spec: ModelSpec) -> list[str]:
    """Every layer trains again; the layers changed."""
    changed = [node.id for node in spec.nodes.values() if node.params.get("trainable") is False]
    for node_id in changed:
        del spec.nodes[node_id].params["trainable"]
    return changed


def adapt_normalization(spec: ModelSpec, node_id: str, mean: list[float], variance: list[float]) -> None:
    """What Keras's `Normalization.adapt` does, kept in the project: the data's mean and variance per feature
    (the last axis) become the layer's constants."""
    node = spec.node(node_id)
    if node.type != "Normalization":
        raise GraphError(f"'{node_id}' is a {node.type}, not a Normalization layer", node=node_id)
    node.params.update(axis=[-1], mean=[float(v) for v in mean], variance=[float(v) for v in variance])
