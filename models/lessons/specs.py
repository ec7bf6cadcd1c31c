"""The lessons' models, written as a chain of layers: each takes the previous one's output unless it names its
inputs (a residual Add)."""

from __future__ import annotations

from models.graph.spec import LayerNode, ModelSpec

Layer = tuple  # (id, Keras class, parameters) or (id, Keras class, parameters, [input ids])


def chain(name: str, layers: list[Layer]) -> ModelSpec:
    spec = ModelSpec(name=name)
    previous: list[str] = []
    for node_id, kind, params, *inputs in layers:
        spec.nodes[node_id] = LayerNode(node_id, kind, params, inputs[0] if inputs and inputs[0] else previous)
        previous = [node_id]
    return spec
