"""Convolution kernels as images: what the filters of a layer look for."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from models.inspection.probe import InspectionError, inspectable_layers, keras_module

if TYPE_CHECKING:
    import keras

CONV_TYPES = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
              "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")


def conv_layer_ids(model: keras.Model) -> list[str]:
    return [layer.name for layer in inspectable_layers(model) if type(layer).__name__ in CONV_TYPES]


def kernel_variable(layer: keras.layers.Layer) -> Any:
    """The weights a convolution slides over its input (the depthwise part of a separable convolution)."""
    for name in ("depthwise_kernel", "kernel"):
        variable = getattr(layer, name, None)
        if variable is not None:
            return variable
    return None


def conv_kernels(model: keras.Model, max_values: float = math.inf) -> dict[str, np.ndarray]:
    """{layer id: float32 copy of its kernel} for the convolution layers, in order, until `max_values`
    weights have been copied (bigger layers are skipped: the live view copies these on every refresh)."""
    kernels: dict[str, np.ndarray] = {}
    for layer_id in conv_layer_ids(model):
        variable = kernel_variable(model.get_layer(layer_id))
        size = int(np.prod(variable.shape)) if variable is not None else 0
        if variable is None or size > max_values:
            continue
        max_values -= size
        kernels[layer_id] = np.array(variable.numpy(), dtype=np.float32)
    return kernels


@dataclass
class FilterTiles:
    """Kernels as image tiles. `weights` is always the raw kernel as (filters, inputs, H, W), whatever the input
    (gray, RGB or many channels): the numbers. `tiles` is what is drawn: (filters, H, W, 3) RGB scaled to 0..1
    per filter when `rgb`, else the raw weights themselves (drawn with a diverging colormap centred on 0)."""

    layer_id: str
    tiles: np.ndarray
    rgb: bool
    note: str = ""
    weights: np.ndarray | None = None


def filters(model: keras.Model, layer_id: str, max_filters: int = 64, max_inputs: int = 16) -> FilterTiles:
    """Conv kernels of one layer of a model (see `filter_tiles`)."""
    layer = model.get_layer(layer_id)
    name = type(layer).__name__
    if name not in CONV_TYPES or kernel_variable(layer) is None:
        raise InspectionError(f"{layer_id} is a {name}; filters belong to convolution layers")
    kernel = np.asarray(keras_module().ops.convert_to_numpy(kernel_variable(layer)), dtype=np.float32)
    return filter_tiles(kernel, layer_id, name, max_filters, max_inputs)


def filter_tiles(kernel: np.ndarray, layer_id: str, layer_type: str, max_filters: int = 64,
                 max_inputs: int = 16) -> FilterTiles:
    """Kernels as tiles. A layer that sees RGB shows colour tiles; others one tile per input channel."""
    if kernel.ndim == 3:  # 1-D: (width, inputs, filters) -> one row per input
        kernel = kernel[None]
    if kernel.ndim != 4:
        raise InspectionError(f"{layer_id} ({layer_type}) has a {kernel.ndim}-D kernel; only 1-D and 2-D kernels "
                              "are drawn")
    if layer_type.endswith("Transpose"):
        kernel = np.swapaxes(kernel, 2, 3)  # Keras stores (h, w, filters, inputs) for transposed convolutions
    inputs, count = kernel.shape[2], kernel.shape[3]
    note = ""
    if count > max_filters:
        note = f"showing the first {max_filters} of {count} filters"
        kernel = kernel[..., :max_filters]
    if inputs == 3 and not layer_type.startswith("Depthwise"):
        tiles = np.moveaxis(kernel, 3, 0)  # (filters, h, w, 3)
        low = tiles.min(axis=(1, 2, 3), keepdims=True)
        high = tiles.max(axis=(1, 2, 3), keepdims=True)
        return FilterTiles(layer_id, (tiles - low) / np.where(high > low, high - low, 1.0), rgb=True, note=note,
                           weights=np.transpose(kernel, (3, 2, 0, 1)))
    if inputs > max_inputs:
        note = "; ".join(filter(None, [note, f"showing the first {max_inputs} of {inputs} input channels"]))
        kernel = kernel[:, :, :max_inputs]
    raw = np.transpose(kernel, (3, 2, 0, 1))
    return FilterTiles(layer_id, raw, rgb=False, note=note, weights=raw)
