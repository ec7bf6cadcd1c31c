"""The arithmetic behind one value of a layer's output, with the real numbers (CNN Explainer's "click a neuron"):
for a convolution the input patch, the kernel, their element-wise products, the sum, the bias and the activation;
for Dense the inputs times their weights (the largest contributions first), the sum and the activation, and for
a softmax output the logits and their exponentials; for pooling the window and the winner or the mean.

Each explanation recomputes the value from the layer's input and weights, and carries what Keras itself output
there (`keras_value`), so a view can show both and a test can hold them equal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.inspection.probe import single_input

POOLING = ("MaxPooling2D", "AveragePooling2D")


class NotExplainedError(ValueError):
    """This layer's values are not explained here (say why in words)."""


@dataclass
class UnitArithmetic:
    layer: str
    kind: str  # "conv" | "dense" | "pooling"
    position: tuple[int, ...]  # (row, column, channel) or (unit,)
    terms: np.ndarray  # what is summed (conv: products, h x w x inputs; dense: inputs x weights) or the window
    total: float  # the sum of the terms (pooling: the max or the mean of the window)
    bias: float = 0.0
    pre_activation: float = 0.0
    activation: str = "linear"
    value: float = 0.0  # after the activation: this module's recomputation
    keras_value: float = 0.0  # what Keras output at that position
    patch: np.ndarray | None = None  # conv and pooling: the input values the unit reads (zeros where padded)
    kernel: np.ndarray | None = None  # conv: the kernel of this output channel
    inputs: np.ndarray | None = None  # dense: the input vector
    weights: np.ndarray | None = None  # dense: the weights into this unit
    top: list[int] = field(default_factory=list)  # dense: input indices by |contribution|, largest first
    winner: tuple[int, ...] | None = None  # max pooling: where the maximum is in the window
    logits: np.ndarray | None = None  # a softmax output: every unit's pre-activation
    exponentials: np.ndarray | None = None  # exp(logit - max logit), whose shares are the probabilities


def _outputs_of(model: Any, layer: Any, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the layer's input, the layer's output) for one sample, from one forward pass."""
    import keras

    probe = keras.Model(single_input(model), [layer.input, layer.output])
    batch = np.asarray(sample, dtype=np.float32)[None]
    layer_in, layer_out = probe(batch, training=False)
    return np.asarray(layer_in)[0], np.asarray(layer_out)[0]


def _activation(layer: Any) -> tuple[str, Any]:
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", "linear") if function is not None else "linear"
    return name, function


def _padding_before(size_in: int, size_out: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """The padding before the first input (TensorFlow's rule for "same": the extra one goes after)."""
    if padding != "same":
        return 0
    total = max((size_out - 1) * stride + (kernel - 1) * dilation + 1 - size_in, 0)
    return total // 2


def _patch(values: np.ndarray, row: int, column: int, kernel: tuple[int, int], strides: tuple[int, int],
           dilation: tuple[int, int], before: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (kh, kw, channels) input values under the window of output (row, column), zeros where padded, and the
    (kh, kw) mask of the places that are real inputs."""
    rows = row * strides[0] - before[0] + np.arange(kernel[0]) * dilation[0]
    columns = column * strides[1] - before[1] + np.arange(kernel[1]) * dilation[1]
    inside = ((rows >= 0) & (rows < values.shape[0]))[:, None] & ((columns >= 0) & (columns < values.shape[1]))[None]
    patch = np.zeros((kernel[0], kernel[1], values.shape[-1]), dtype=np.float64)
    for i, j in zip(*np.nonzero(inside), strict=True):
        patch[i, j] = values[rows[i], columns[j]]
    return patch, inside


def explain_unit(model: Any, layer_name: str, sample: np.ndarray, position: tuple[int, ...]) -> UnitArithmetic:
    """The arithmetic of `layer_name`'s output at `position` ((row, column, channel) for Conv2D and pooling,
    (unit,) for Dense) for one `sample` as the model takes it."""
    try:
        layer = model.get_layer(layer_name)
    except ValueError as error:
        raise NotExplainedError(f"the model has no layer {layer_name}") from error
    kind = type(layer).__name__
    if kind not in ("Conv2D", "Dense", *POOLING):
        raise NotExplainedError(f"{layer_name} is a {kind}: the arithmetic is shown for Conv2D, Dense and pooling")
    layer_in, layer_out = _outputs_of(model, layer, sample)
    if kind == "Dense":
        if layer_in.ndim != 1:
            raise NotExplainedError(f"{layer_name} gets a {layer_in.shape} input: the arithmetic is shown for a "
                                   "Dense layer on a flat vector")
        return _dense(layer, layer_in.astype(np.float64), layer_out, int(position[-1]))
    row, column, channel = (int(v) for v in position)
    if kind == "Conv2D":
        return _conv(layer, layer_in.astype(np.float64), layer_out, row, column, channel)
    return _pooling(layer, kind, layer_in.astype(np.float64), layer_out, row, column, channel)


def _conv(layer, layer_in, layer_out, row, column, channel) -> UnitArithmetic:
    if getattr(layer, "groups", 1) != 1 or layer.data_format != "channels_last":
        raise NotExplainedError(f"{layer.name}: grouped or channels-first convolutions are not explained here")
    kernel = np.asarray(layer.kernel.numpy(), dtype=np.float64)
    bias = float(np.asarray(layer.bias.numpy())[channel]) if layer.use_bias else 0.0
    size = kernel.shape[:2]
    strides, dilation = tuple(layer.strides), tuple(layer.dilation_rate)
    before = tuple(_padding_before(layer_in.shape[axis], layer_out.shape[axis], size[axis], strides[axis],
                                   dilation[axis], layer.padding) for axis in (0, 1))
    patch, _inside = _patch(layer_in, row, column, size, strides, dilation, before)
    weights = kernel[..., channel]
    products = patch * weights
    total = float(products.sum())
    name, function = _activation(layer)
    pre = total + bias
    value = float(np.asarray(function(np.array([pre], dtype=np.float32)))[0]) if function is not None else pre
    return UnitArithmetic(layer.name, "conv", (row, column, channel), products, total, bias, pre, name, value,
                          float(layer_out[row, column, channel]), patch=patch, kernel=weights)


def _dense(layer, vector, layer_out, unit) -> UnitArithmetic:
    kernel = np.asarray(layer.kernel.numpy(), dtype=np.float64)
    biases = np.asarray(layer.bias.numpy(), dtype=np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    contributions = vector * kernel[:, unit]
    total = float(contributions.sum())
    pre = total + float(biases[unit])
    name, function = _activation(layer)
    logits = exponentials = None
    if name == "softmax":
        logits = vector @ kernel + biases
        exponentials = np.exp(logits - logits.max())
        value = float(exponentials[unit] / exponentials.sum())
    else:
        value = float(np.asarray(function(np.array([pre], dtype=np.float32)))[0]) if function is not None else pre
    order = [int(i) for i in np.argsort(-np.abs(contributions))]
    return UnitArithmetic(layer.name, "dense", (unit,), contributions, total, float(biases[unit]), pre, name, value,
                          float(layer_out[unit]), inputs=vector, weights=kernel[:, unit], top=order, logits=logits,
                          exponentials=exponentials)


def _pooling(layer, kind, layer_in, layer_out, row, column, channel) -> UnitArithmetic:
    size, strides = tuple(layer.pool_size), tuple(layer.strides)
    before = tuple(_padding_before(layer_in.shape[axis], layer_out.shape[axis], size[axis], strides[axis], 1,
                                   layer.padding) for axis in (0, 1))
    window, inside = _patch(layer_in[..., channel:channel + 1], row, column, size, strides, (1, 1), before)
    window = window[..., 0]
    if kind == "MaxPooling2D":
        masked = np.where(inside, window, -np.inf)
        winner = tuple(int(v) for v in np.unravel_index(int(np.argmax(masked)), window.shape))
        total = float(masked[winner])
    else:  # "same" average pooling divides by the number of real inputs, not the window's size
        winner, total = None, float(window[inside].mean())
    return UnitArithmetic(layer.name, "pooling", (row, column, channel), window, total, 0.0, total, kind, total,
                          float(layer_out[row, column, channel]), patch=window, winner=winner)
