"""Which input pixels a unit of a feature map can see (its theoretical receptive field: a box, from the layers'
kernel sizes, strides, dilations and padding) and which it actually responds to (its effective receptive field:
the mean absolute gradient of the unit with respect to the input over a batch of samples, Luo et al. 2016)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.inspection.probe import single_input

_SPATIAL = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D")
_WHOLE = ("Flatten", "Dense", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Reshape", "MultiHeadAttention")


@dataclass(frozen=True)
class Box:
    """Input rows top..bottom and columns left..right (inclusive), clipped to the image."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    def contains(self, row: int, column: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= column <= self.right


def _pairs(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _window(layer: Any) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], str]:
    """(kernel, strides, dilation, padding) of a convolution or pooling layer."""
    config = layer.get_config()
    kernel = _pairs(config.get("kernel_size", config.get("pool_size", 1)))
    strides = _pairs(config.get("strides") or kernel)
    dilation = _pairs(config.get("dilation_rate", 1))
    return kernel, strides, dilation, config.get("padding", "valid")


def _back(span: tuple[int, int], size_in: int, kernel: int, stride: int, dilation: int,
          padding: str) -> tuple[int, int]:
    """The input positions an output span [a, b] reads, along one axis (TensorFlow's "same" padding puts the
    smaller half of the padding first)."""
    before = 0
    if padding == "same":
        size_out = math.ceil(size_in / stride)
        before = max((size_out - 1) * stride + (kernel - 1) * dilation + 1 - size_in, 0) // 2
    first, last = span
    return first * stride - before, last * stride - before + (kernel - 1) * dilation


def theoretical_field(model: Any, layer_name: str, row: int, column: int) -> Box:
    """The box of input pixels that can reach unit (row, column) of `layer_name`'s output, following every
    path back to the input (a merge takes the union of its inputs' boxes)."""
    height, width = model.inputs[0].shape[1:3]
    spans = _spans_back(model, model.get_layer(layer_name), ((row, row), (column, column)), {})
    (top, bottom), (left, right) = spans
    return Box(max(top, 0), max(left, 0), min(bottom, height - 1), min(right, width - 1))


def _spans_back(model: Any, layer: Any, spans, memo: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    key = (layer.name, spans)
    if key in memo:
        return memo[key]
    name = type(layer).__name__
    height, width = model.inputs[0].shape[1:3]
    if name == "InputLayer":
        return spans
    if name in _WHOLE:
        return ((0, height - 1), (0, width - 1))
    parents = [tensor._keras_history[0] for node in layer._inbound_nodes[:1] for tensor in node.input_tensors]
    if name in _SPATIAL:
        kernel, strides, dilation, padding = _window(layer)
        size_in = parents[0].output.shape[1:3]
        spans = tuple(_back(spans[axis], size_in[axis], kernel[axis], strides[axis], dilation[axis], padding)
                      for axis in range(2))
    boxes = [_spans_back(model, parent, spans, memo) for parent in parents] or [spans]
    merged = ((min(b[0][0] for b in boxes), max(b[0][1] for b in boxes)),
              (min(b[1][0] for b in boxes), max(b[1][1] for b in boxes)))
    memo[key] = merged
    return merged


def effective_field(model: Any, layer_name: str, row: int, column: int, samples: np.ndarray,
                    channel: int | None = None) -> np.ndarray:
    """(height, width) of the input: the mean over `samples` of |d unit / d input|, summed over the input's
    channels and scaled to a maximum of 1 (all zeros when the unit does not depend on the input, e.g. dead).
    `channel` None: the unit is the sum over the layer's channels at that position. One batched gradient."""
    import keras
    import tensorflow as tf

    probe = keras.Model(single_input(model), model.get_layer(layer_name).output)  # a tensor in, as it is called
    batch = tf.convert_to_tensor(np.asarray(samples, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        output = probe(batch, training=False)
        unit = output[:, row, column] if channel is None else output[:, row, column, channel]
        total = tf.reduce_sum(unit)
    gradient = np.abs(tape.gradient(total, batch).numpy()).mean(axis=0).sum(axis=-1)
    peak = float(gradient.max())
    return gradient / peak if peak > 0 else gradient
