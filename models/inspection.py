"""Looking inside a Keras model: activations, filters, attention, predictions, Grad-CAM, saliency, boundaries.

Numpy in, numpy out, no Qt: the Inspection panel, the live view during training (in the training thread)
and the tests all call these functions. A `Probe` is one functional model that returns every layer's output
(and the attention scores that `models.builder` wires up) for one input; it is built once per model and
called directly, so refreshing all layers of LeNet costs a few milliseconds, and because it shares the
trained model's variables it always shows the current weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.environment import configure_keras_environment
from models.formatting import dims_text

if TYPE_CHECKING:
    import keras


def _keras():
    """Keras, imported on first use: the window imports this module before TensorFlow has loaded."""
    configure_keras_environment()
    import keras

    return keras

SCORES_SUFFIX = "/scores"
CONV_TYPES = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
              "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")


class InspectionError(Exception):
    """A plain-language reason why a view cannot be computed for this model or input."""


@dataclass
class Activation:
    """One layer's output for one input (no batch axis) and how to show it."""

    layer_id: str
    layer_type: str
    values: np.ndarray

    @property
    def kind(self) -> str:
        """image (H, W, C) | volume (D, H, W, C) | sequence (steps, features) | vector (units) | scalar."""
        return {0: "scalar", 1: "vector", 2: "sequence", 3: "image", 4: "volume"}.get(self.values.ndim, "other")

    def channel_stack(self) -> np.ndarray:
        """(C, H, W) maps for an image or volume output (a volume shows its middle depth slice)."""
        values = self.values
        if values.ndim == 4:
            values = values[values.shape[0] // 2]
        if values.ndim != 3:
            raise InspectionError(f"{self.layer_id} ({self.layer_type}) has no spatial output to draw as maps")
        return np.moveaxis(values, -1, 0)


# ----- the probe
def inspectable_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if not isinstance(layer, _keras().layers.InputLayer)]


def single_input(model: keras.Model) -> Any:
    if len(model.inputs) != 1:
        raise InspectionError(f"this model takes {len(model.inputs)} inputs; inspection feeds one input at a time")
    return model.inputs[0]


class Probe:
    """Every layer's output (and `<id>/scores` for attention layers) for one input, from one model built once."""

    def __init__(self, model: keras.Model, compiled: bool = False) -> None:
        """`compiled`: call through a `tf.function` (0.5 ms instead of ~2-4 ms for LeNet). Off by default: its
        one-off tracing holds Python's lock inside TensorFlow's C++ code for 130-200 ms, which stalls the GUI
        thread that long (bench/training.py saw 184 ms timer gaps), while eager calls at a few per second
        cost the training thread well under 1%."""
        import tensorflow as tf

        self.model = model
        self.input_shape = tuple(single_input(model).shape[1:])
        self.input_dtype = str(single_input(model).dtype)
        self.layer_types: dict[str, str] = {}
        outputs: dict[str, Any] = {}
        for layer in inspectable_layers(model):
            output = layer.output
            self.layer_types[layer.name] = type(layer).__name__
            if isinstance(output, (list, tuple)):  # attention called with return_attention_scores=True
                outputs[layer.name] = output[0]
                if len(output) > 1:
                    outputs[layer.name + SCORES_SUFFIX] = output[1]
            else:
                outputs[layer.name] = output
        self.layer_ids = list(self.layer_types)
        self.output_keys = list(outputs)
        self.outputs_model = _keras().Model(single_input(model), outputs)
        self._call = lambda batch: self.outputs_model(batch, training=False)
        if compiled:
            self._call = tf.function(self._call, reduce_retracing=True)

    def batch_of_one(self, sample: np.ndarray) -> np.ndarray:
        sample = np.asarray(sample)
        if not shape_fits(sample.shape, self.input_shape):
            raise InspectionError(f"the input is shaped {_shape_text(sample.shape)} but the model takes "
                                  f"{_shape_text(self.input_shape)}")
        return sample[None].astype(self.input_dtype)

    def __call__(self, sample: np.ndarray) -> dict[str, np.ndarray]:
        """{layer id: output without the batch axis} (float32 numpy copies, safe to hand to another thread)."""
        outputs = self._call(self.batch_of_one(sample))
        return {key: np.array(value[0], dtype=np.float32) for key, value in outputs.items()}

    def activations(self, sample: np.ndarray) -> list[Activation]:
        """Layer outputs in model order (attention scores are separate: see `attention_scores`)."""
        values = self(sample)
        return [Activation(layer_id, self.layer_types[layer_id], values[layer_id]) for layer_id in self.layer_ids]


def _shape_text(shape) -> str:
    return dims_text(shape)


def shape_fits(shape: tuple, expected: tuple) -> bool:
    """True when `shape` matches `expected`, where None in `expected` (a variable length) matches anything."""
    return len(shape) == len(expected) and all(e is None or e == d for d, e in zip(shape, expected, strict=True))


# ----- feature-map helpers
def channel_order(maps: np.ndarray, sort: bool) -> np.ndarray:
    """Indices of (C, H, W) maps: as they are, or by mean activation, strongest first."""
    if not sort:
        return np.arange(len(maps))
    means = np.nan_to_num(maps.reshape(len(maps), -1).mean(axis=1), nan=-np.inf)
    return np.argsort(-means, kind="stable")


# ----- filters
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
    """Kernels as image tiles: `tiles` is (filters, H, W, 3) RGB in 0..1 when `rgb`, else (filters, inputs, H, W)
    raw weights (draw with a diverging colormap centred on 0)."""

    layer_id: str
    tiles: np.ndarray
    rgb: bool
    note: str = ""


def filters(model: keras.Model, layer_id: str, max_filters: int = 64, max_inputs: int = 16) -> FilterTiles:
    """Conv kernels of one layer of a model (see `filter_tiles`)."""
    layer = model.get_layer(layer_id)
    name = type(layer).__name__
    if name not in CONV_TYPES or kernel_variable(layer) is None:
        raise InspectionError(f"{layer_id} is a {name}; filters belong to convolution layers")
    kernel = np.asarray(_keras().ops.convert_to_numpy(kernel_variable(layer)), dtype=np.float32)
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
        return FilterTiles(layer_id, (tiles - low) / np.where(high > low, high - low, 1.0), rgb=True, note=note)
    if inputs > max_inputs:
        note = "; ".join(filter(None, [note, f"showing the first {max_inputs} of {inputs} input channels"]))
        kernel = kernel[:, :, :max_inputs]
    return FilterTiles(layer_id, np.transpose(kernel, (3, 2, 0, 1)), rgb=False, note=note)


# ----- attention
def attention_layer_ids(probe: Probe) -> list[str]:
    return [layer_id for layer_id in probe.layer_ids if layer_id + SCORES_SUFFIX in probe.output_keys]


def attention_scores(outputs: dict[str, np.ndarray], layer_id: str) -> np.ndarray:
    """(heads, queries, keys) softmax weights; `Attention` layers (no heads) get a head axis of one."""
    scores = outputs.get(layer_id + SCORES_SUFFIX)
    if scores is None:
        raise InspectionError(f"{layer_id} is not an attention layer")
    return scores[None] if scores.ndim == 2 else scores


def attention_rollout(score_list: list[np.ndarray], residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020): average the heads, mix in the residual path, renormalise the
    rows, and multiply the layers in order, so row i says how much each input token reaches output token i."""
    if not score_list:
        raise InspectionError("the model has no attention layers to roll out")
    result = None
    for scores in score_list:
        mean = scores.mean(axis=0)
        if mean.shape[0] != mean.shape[1]:
            raise InspectionError("rollout needs self-attention (as many queries as keys) in every layer")
        mixed = residual * np.eye(len(mean), dtype=np.float32) + (1 - residual) * mean
        mixed /= mixed.sum(axis=-1, keepdims=True)
        if result is not None and result.shape != mixed.shape:
            raise InspectionError("rollout needs the same number of tokens in every attention layer")
        result = mixed if result is None else mixed @ result
    return result


@dataclass
class PatchGrid:
    """How tokens map onto the image: `rows` x `cols` patches, after `offset` leading tokens (e.g. a class token)."""

    rows: int
    cols: int
    offset: int = 0

    def patch_at(self, x01: float, y01: float) -> int:
        """Token index of the patch under a point given in 0..1 image coordinates."""
        col = min(self.cols - 1, max(0, int(x01 * self.cols)))
        row = min(self.rows - 1, max(0, int(y01 * self.rows)))
        return self.offset + row * self.cols + col

    def rect01(self, token: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of a token's patch in 0..1 image coordinates."""
        row, col = divmod(token - self.offset, self.cols)
        return col / self.cols, row / self.rows, 1 / self.cols, 1 / self.rows


def patch_grid(tokens: int, image_height: int, image_width: int) -> PatchGrid | None:
    """The patch layout of an image model's token sequence, or None when the tokens are not image patches."""
    for offset in (0, 1):
        count = tokens - offset
        for rows in range(1, count + 1):
            if count % rows:
                continue
            cols = count // rows
            if rows * image_width == cols * image_height or (rows == cols and image_height == image_width):
                return PatchGrid(rows, cols, offset)
    return None


def patch_attention(matrix: np.ndarray, grid: PatchGrid, token: int) -> np.ndarray:
    """The attention of one query patch over all patches, as a (rows, cols) map scaled to 0..1."""
    row = matrix[token, grid.offset:grid.offset + grid.rows * grid.cols].reshape(grid.rows, grid.cols)
    top = row.max()
    return row / top if top > 0 else row


# ----- predictions, Grad-CAM, saliency
def class_probabilities(output: np.ndarray) -> np.ndarray:
    """A classifier's output as probabilities: softmax outputs as they are, logits through softmax, one sigmoid
    unit as [1 - p, p]."""
    output = np.asarray(output, dtype=np.float64).ravel()
    if output.size == 1:
        p = float(output[0])
        if not 0.0 <= p <= 1.0:
            p = 1 / (1 + math.exp(-p))
        return np.array([1 - p, p])
    if output.min() >= 0 and abs(output.sum() - 1) < 1e-3:
        return output
    shifted = np.exp(output - output.max())
    return shifted / shifted.sum()


def top_k(output: np.ndarray, class_names: list[str], k: int = 5) -> list[tuple[str, float]]:
    """[(class name, probability)], most likely first."""
    probabilities = class_probabilities(output)
    names = class_names if len(class_names) == len(probabilities) else [f"class {i}" for i in range(len(probabilities))]
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(names[i], float(probabilities[i])) for i in order]


def spatial_layer_ids(model: keras.Model) -> list[str]:
    """Layers with a (height, width, channels) output: where Grad-CAM can look."""
    ids = []
    for layer in inspectable_layers(model):
        output = layer.output
        if not isinstance(output, (list, tuple)) and len(output.shape) == 4:
            ids.append(layer.name)
    return ids


def default_cam_layer(model: keras.Model) -> str:
    """The last convolution with a spatial output (the usual Grad-CAM choice), else the last spatial layer."""
    spatial = spatial_layer_ids(model)
    if not spatial:
        raise InspectionError("Grad-CAM needs a layer with a height x width output (a Conv2D, for example); "
                              "this model has none")
    convs = [layer_id for layer_id in spatial if layer_id in conv_layer_ids(model)]
    return (convs or spatial)[-1]


def class_count(model: keras.Model) -> int:
    """Classes of a one-vector classifier output (a single sigmoid unit counts as two)."""
    units = int(model.outputs[0].shape[-1] or 1)
    return 2 if units == 1 else units


def gradient_views_unavailable(model: keras.Model, sample: np.ndarray) -> str:
    """Why Grad-CAM and saliency do not apply to this model and input ('' when they do)."""
    if len(model.outputs) != 1 or len(model.outputs[0].shape) != 2:
        return "Grad-CAM and saliency explain one vector of class scores; this model's output is shaped differently."
    if np.ndim(sample) != 3:
        return "Grad-CAM and saliency are drawn over an image; this model's input is not one."
    return ""


def _single_output(model: keras.Model) -> Any:
    if len(model.outputs) != 1:
        raise InspectionError("this view needs a model with one output")
    return model.outputs[0]


def _class_score(predictions, class_index: int):
    if predictions.shape[-1] == 1:  # one sigmoid unit: class 1 is p, class 0 is 1 - p
        return predictions[:, 0] if class_index == 1 else 1 - predictions[:, 0]
    return predictions[:, class_index]


def _resize(values: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(values.astype(np.float32)).resize((width, height), Image.Resampling.BILINEAR))


def _chosen_class(predictions: np.ndarray, class_index: int | None) -> int:
    if class_index is not None:
        return class_index
    probabilities = class_probabilities(predictions[0])
    return int(np.argmax(probabilities))


class GradCam:
    """Grad-CAM (Selvaraju et al., 2017): the chosen layer's maps weighted by the mean gradient of the class
    score, ReLU, scaled to 0..1 and resized to the input image. Gradient models are built once per layer."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        _single_output(model)
        self._models: dict[str, keras.Model] = {}

    def __call__(self, sample: np.ndarray, layer_id: str | None = None,
                 class_index: int | None = None) -> tuple[np.ndarray, int]:
        import tensorflow as tf

        layer_id = layer_id or default_cam_layer(self.model)
        if layer_id not in spatial_layer_ids(self.model):
            raise InspectionError(f"{layer_id} has no height x width output; Grad-CAM needs a spatial layer")
        if layer_id not in self._models:
            self._models[layer_id] = _keras().Model(single_input(self.model),
                                                 [self.model.get_layer(layer_id).output, self.model.outputs[0]])
        batch = tf.convert_to_tensor(_batch(self.model, sample))
        with tf.GradientTape() as tape:
            maps, predictions = self._models[layer_id](batch, training=False)
            class_index = _chosen_class(predictions.numpy(), class_index)
            score = _class_score(predictions, class_index)
        gradients = tape.gradient(score, maps)
        if gradients is None:
            raise InspectionError(f"the output does not depend on {layer_id}")
        weights = tf.reduce_mean(gradients, axis=(1, 2))
        cam = tf.nn.relu(tf.reduce_sum(maps * weights[:, None, None, :], axis=-1))[0].numpy()
        top = cam.max()
        cam = cam / top if top > 0 else cam
        height, width = sample.shape[0], sample.shape[1]
        return np.clip(_resize(cam, height, width), 0.0, 1.0), class_index


def saliency(model: keras.Model, sample: np.ndarray, class_index: int | None = None) -> tuple[np.ndarray, int]:
    """|d class score / d input|, the largest over colour channels, scaled to 0..1 (Simonyan et al., 2013)."""
    import tensorflow as tf

    _single_output(model)
    if not single_input(model).dtype.startswith("float"):
        raise InspectionError("saliency needs a real-valued input; this model takes "
                              f"{single_input(model).dtype} tokens")
    batch = tf.convert_to_tensor(_batch(model, sample))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        predictions = model(batch, training=False)
        class_index = _chosen_class(predictions.numpy(), class_index)
        score = _class_score(predictions, class_index)
    gradient = np.abs(tape.gradient(score, batch).numpy()[0])
    if gradient.ndim == 3:
        gradient = gradient.max(axis=-1)
    top = gradient.max()
    return (gradient / top if top > 0 else gradient).astype(np.float32), class_index


def _batch(model: keras.Model, sample: np.ndarray) -> np.ndarray:
    expected = tuple(single_input(model).shape[1:])
    if not shape_fits(tuple(sample.shape), expected):
        raise InspectionError(f"the input is shaped {_shape_text(sample.shape)} but the model takes "
                              f"{_shape_text(expected)}")
    return np.asarray(sample, dtype=single_input(model).dtype)[None]


# ----- decision boundary
@dataclass
class Boundary:
    """Class probabilities over a grid of the input plane: `probabilities` is (rows, cols, classes)."""

    probabilities: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def plane_ranges(points: np.ndarray, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin + 1e-6
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def boundary_grid(x_range, y_range, resolution: int = 96) -> np.ndarray:
    """(resolution * resolution, 2) points, row-major from the bottom-left (y grows with the row)."""
    xs = np.linspace(*x_range, resolution, dtype=np.float32)
    ys = np.linspace(*y_range, resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def decision_boundary(predict, x_range, y_range, resolution: int = 96) -> Boundary:
    """`predict(points (N, 2)) -> outputs (N, classes or 1)` over the plane; a sigmoid output becomes 2 classes."""
    outputs = np.asarray(predict(boundary_grid(x_range, y_range, resolution)), dtype=np.float32)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] == 1:
        p = outputs[:, 0] if outputs.min() >= 0 and outputs.max() <= 1 else 1 / (1 + np.exp(-outputs[:, 0]))
        outputs = np.stack([1 - p, p], axis=1)
    elif outputs.min() < 0 or np.abs(outputs.sum(axis=1) - 1).max() > 1e-3:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        outputs = shifted / shifted.sum(axis=1, keepdims=True)
    return Boundary(outputs.reshape(resolution, resolution, -1), tuple(x_range), tuple(y_range))


def takes_plane(model: keras.Model) -> bool:
    """True for a model whose input is one point of the plane (2 numbers), as the 2-D toy datasets."""
    return len(model.inputs) == 1 and tuple(model.inputs[0].shape[1:]) == (2,)


def model_predictor(model: keras.Model, compiled: bool = False):
    """A `predict(points)` for `decision_boundary` that calls the model directly (no `predict` retracing);
    `compiled` as for `Probe`."""
    import tensorflow as tf

    call = lambda points: model(points, training=False)  # noqa: E731
    if compiled:
        call = tf.function(call, reduce_retracing=True)
    return lambda points: call(tf.convert_to_tensor(points, dtype=tf.float32)).numpy()


# ----- what applies
def unavailable_views(model: keras.Model) -> dict[str, str]:
    """{view: why it is empty} for views that do not apply to this model; views not listed apply."""
    reasons: dict[str, str] = {}
    layers = inspectable_layers(model)
    if not conv_layer_ids(model):
        reasons["filters"] = ("Filters are the kernels of convolution layers (Conv2D and friends); "
                              "this model has none.")
    if not any(isinstance(layer.output, (list, tuple)) for layer in layers):
        reasons["attention"] = "Attention maps come from MultiHeadAttention or Attention layers; this model has none."
    if not spatial_layer_ids(model):
        reasons["grad_cam"] = ("Grad-CAM highlights where a layer with a height x width output looked; this model "
                               "has no such layer.")
    if len(model.inputs) != 1 or not str(model.inputs[0].dtype).startswith("float"):
        reasons["saliency"] = "Saliency needs one real-valued input (token ids have no gradient)."
    if not takes_plane(model):
        reasons["boundary"] = "The decision boundary is drawn for models whose input is a 2-D point (toy data)."
    return reasons


# ----- export
def save_activations(path: str | Path, activations: dict[str, np.ndarray]) -> Path:
    """One layer to `.npy`; several to `.npz` keyed by layer id (attention scores as `<id>__scores`)."""
    path = Path(path)
    if len(activations) == 1 and path.suffix != ".npz":
        np.save(path.with_suffix(".npy"), next(iter(activations.values())))
        return path.with_suffix(".npy")
    np.savez(path.with_suffix(".npz"), **{key.replace(SCORES_SUFFIX, "__scores"): value
                                          for key, value in activations.items()})
    return path.with_suffix(".npz")
