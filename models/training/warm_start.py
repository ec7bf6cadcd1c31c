"""Starting a new run from weights a model already has: an imported network's, or the last run's of a project
that began from one. A layer of the new model takes the weights of the layer of the same name when every weight
has the same shape (a classifier resized for other classes, or a layer added, starts at random)."""

from __future__ import annotations

from typing import Any


def warm_start(model: Any, source: Any) -> tuple[list[str], list[str]]:
    """Copy `source`'s weights into `model` layer by layer; (layers copied, layers with weights left fresh)."""
    from models.building.builder import set_layer_weights

    by_name = {layer.name: layer for layer in source.layers}
    copied, fresh = [], []
    for layer in model.layers:
        if not layer.weights:
            continue
        origin = by_name.get(layer.name)
        if origin is not None and [tuple(w.shape) for w in origin.weights] == [tuple(w.shape) for w in layer.weights]:
            set_layer_weights(layer, origin.get_weights())
            copied.append(layer.name)
        else:
            fresh.append(layer.name)
    return copied, fresh
