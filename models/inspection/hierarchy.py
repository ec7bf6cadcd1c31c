"""What the Hierarchy view shows, computed off the GUI thread: per conv layer, how much it knows about the
classes (a linear probe on its pooled activations) now and before training, what each receptive field spans,
the dataset patches that excite a layer's channels most, and one unit's theoretical and effective field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.inspection.receptive_field import Box, effective_field, theoretical_field
from models.inspection.top_patches import TopPatch, layer_activations, top_patches


def spatial_layers(model: Any) -> list[str]:
    """Layers with weights and a (rows, columns, channels) output, in model order: the ones a probe, a field and
    top patches apply to."""
    found = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):
            continue
        if layer.weights and len(shape) == 4 and type(layer).__name__ != "BatchNormalization":
            found.append(layer.name)
    return found


@dataclass
class HierarchyMeasure:
    layers: list[str]
    trained: dict[str, float]  # probe accuracy per layer, the model as it is
    initial: dict[str, float] | None  # ... with the weights before training, when they were kept
    chance: float  # the largest class's share: what a probe gets by always guessing it
    fields: dict[str, tuple[int, int]]  # (height, width) of a centre unit's theoretical field, per layer
    layer: str = ""  # the layer whose top patches were found
    top: dict[int, list[TopPatch]] = field(default_factory=dict)  # channel -> strongest patches
    channels: list[int] = field(default_factory=list)  # the channels shown, most active first


def measure_hierarchy(model: Any, samples: np.ndarray, labels: np.ndarray, layer: str | None = None,
                      initial_weights: list | None = None, k: int = 6, channels: int = 8) -> HierarchyMeasure:
    from models.inspection.linear_probe import probe_by_depth
    from models.training.initial_weights import model_with

    layers = spatial_layers(model)
    if not layers:
        raise ValueError("the model has no convolution layer with a spatial map: the hierarchy applies to image "
                         "networks")
    labels = np.asarray(labels)
    trained = probe_by_depth(model, samples, labels, layers)
    initial = (None if initial_weights is None
               else probe_by_depth(model_with(model, initial_weights), samples, labels, layers))
    counts = np.bincount(labels.astype(int)) if labels.ndim == 1 and labels.size else np.array([1])
    fields = {}
    for name in layers:
        rows, columns = model.get_layer(name).output.shape[1:3]
        box = theoretical_field(model, name, rows // 2, columns // 2)
        fields[name] = (box.height, box.width)
    chosen = layer if layer in layers else layers[-1]
    maps = layer_activations(model, chosen, samples)
    order = [int(c) for c in np.argsort(-maps.mean(axis=(0, 1, 2)))[:channels]]
    top = top_patches(model, chosen, samples, k=k, channels=order, activations=maps)
    return HierarchyMeasure(layers, trained, initial, float(counts.max() / counts.sum()), fields, chosen, top, order)


@dataclass(frozen=True)
class UnitField:
    layer: str
    row: int
    column: int
    box: Box
    effective: np.ndarray  # (input rows, input columns) in 0..1


def unit_field(model: Any, layer: str, x01: float, y01: float, samples: np.ndarray) -> UnitField:
    """The unit of `layer` under the relative input position (x01, y01), its box and its effective field over
    `samples` (one batched gradient)."""
    rows, columns = model.get_layer(layer).output.shape[1:3]
    row = int(np.clip(int(y01 * rows), 0, rows - 1))
    column = int(np.clip(int(x01 * columns), 0, columns - 1))
    box = theoretical_field(model, layer, row, column)
    return UnitField(layer, row, column, box, effective_field(model, layer, row, column, samples))
