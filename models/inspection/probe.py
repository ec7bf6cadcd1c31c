"""The probe: one functional model that returns every layer's output for one input.

Numpy in, numpy out, no Qt: the Inspection panel, the live view during training (in the training thread)
and the tests all call it. A `Probe` returns every layer's output (and the attention scores that
`models.building.builder` wires up) for one input; it is built once per model and called directly, so refreshing
all layers of LeNet costs a few milliseconds, and because it shares the trained model's variables it always
shows the current weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.environment import configure_keras_environment
from models.formatting import dims_text

if TYPE_CHECKING:
    import keras


def keras_module():
    """Keras, imported on first use: the window imports these modules before TensorFlow has loaded."""
    configure_keras_environment()
    import keras

    return keras


SCORES_SUFFIX = "/scores"


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


def inspectable_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if not isinstance(layer, keras_module().layers.InputLayer)]


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
        self.outputs_model = keras_module().Model(single_input(model), outputs)
        self._call = lambda batch: self.outputs_model(batch, training=False)
        if compiled:
            self._call = tf.function(self._call, reduce_retracing=True)

    def batch_of_one(self, sample: np.ndarray) -> np.ndarray:
        sample = np.asarray(sample)
        if not shape_fits(sample.shape, self.input_shape):
            raise InspectionError(f"the input is shaped {dims_text(sample.shape)} but the model takes "
                                  f"{dims_text(self.input_shape)}")
        return sample[None].astype(self.input_dtype)

    def __call__(self, sample: np.ndarray) -> dict[str, np.ndarray]:
        """{layer id: output without the batch axis} (float32 numpy copies, safe to hand to another thread)."""
        outputs = self._call(self.batch_of_one(sample))
        return {key: np.array(value[0], dtype=np.float32) for key, value in outputs.items()}

    def batch(self, samples: np.ndarray) -> dict[str, np.ndarray]:
        """{layer id: outputs of a whole batch (samples first)}: one forward pass for many inputs, for averages
        over a dataset (never a loop of single samples)."""
        samples = np.asarray(samples)
        if not shape_fits(samples.shape[1:], self.input_shape):
            raise InspectionError(f"the inputs are shaped {dims_text(samples.shape[1:])} but the model takes "
                                  f"{dims_text(self.input_shape)}")
        outputs = self._call(samples.astype(self.input_dtype))
        return {key: np.array(value, dtype=np.float32) for key, value in outputs.items()}

    def activations(self, sample: np.ndarray) -> list[Activation]:
        """Layer outputs in model order (attention scores are separate: see `attention_scores`)."""
        values = self(sample)
        return [Activation(layer_id, self.layer_types[layer_id], values[layer_id]) for layer_id in self.layer_ids]


def has_activation(layer: Any) -> bool:
    """Whether `layer` applies an activation function of its own to a single input (what
    `without_activation` can leave out)."""
    activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
    return activation != "linear" and not isinstance(layer.input, (list, tuple))


def without_activation(layer: Any) -> Any:
    """A copy of `layer` (same weights) with its activation function left out, or None when it has none: the
    values before a ReLU (which give a gradient even where the unit is silent) or a softmax (logits, which do
    not saturate at 1)."""
    if not has_activation(layer):
        return None
    from models.building.builder import BUILD_LOCK

    with BUILD_LOCK:  # building draws initial weights (replaced at once): never inside a seeded run's build
        linear = type(layer).from_config({**layer.get_config(), "activation": "linear",
                                          "name": f"{layer.name}_linear"})
        linear.build(layer.input.shape)
    linear.set_weights(layer.get_weights())
    return linear


def logits_model(model: keras.Model) -> tuple[keras.Model, bool]:
    """The model up to its last layer's values before a softmax or sigmoid (True), or the model itself (False)."""
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    linear = without_activation(last) if activation in ("softmax", "sigmoid") else None
    if linear is None:
        return model, False
    return keras_module().Model(single_input(model), linear(last.input)), True


def shape_fits(shape: tuple, expected: tuple) -> bool:
    """True when `shape` matches `expected`, where None in `expected` (a variable length) matches anything."""
    return len(shape) == len(expected) and all(e is None or e == d for d, e in zip(shape, expected, strict=True))


def batch_for(model: keras.Model, sample: np.ndarray) -> np.ndarray:
    """`sample` as a batch of one in the model's input dtype, or a plain reason why it does not fit."""
    expected = tuple(single_input(model).shape[1:])
    if not shape_fits(tuple(sample.shape), expected):
        raise InspectionError(f"the input is shaped {dims_text(sample.shape)} but the model takes "
                              f"{dims_text(expected)}")
    return np.asarray(sample, dtype=single_input(model).dtype)[None]


def channel_order(maps: np.ndarray, sort: bool) -> np.ndarray:
    """Indices of (C, H, W) maps: as they are, or by mean activation, strongest first."""
    if not sort:
        return np.arange(len(maps))
    means = np.nan_to_num(maps.reshape(len(maps), -1).mean(axis=1), nan=-np.inf)
    return np.argsort(-means, kind="stable")


def save_activations(path: str | Path, activations: dict[str, np.ndarray]) -> Path:
    """One layer to `.npy`; several to `.npz` keyed by layer id (attention scores as `<id>__scores`)."""
    path = Path(path)
    if len(activations) == 1 and path.suffix != ".npz":
        np.save(path.with_suffix(".npy"), next(iter(activations.values())))
        return path.with_suffix(".npy")
    np.savez(path.with_suffix(".npz"), **{key.replace(SCORES_SUFFIX, "__scores"): value
                                          for key, value in activations.items()})
    return path.with_suffix(".npz")
