"""Feature visualization by optimization (Olah et al., 2017, "Feature Visualization"; Lucid's recipe): an input
made to excite one channel (or one class), found by gradient ascent on an image kept in a Fourier basis with
decorrelated colours, under random jitter and scaling and a small total-variation penalty, so that what appears
is what the channel responds to rather than high-frequency noise that fools it.

Several channels are optimised together, one image each, in one batch (a layer's grid costs about one image's
steps). Each result carries the channel's activation for the optimised image beside its activation for the
random image it started from: the view shows how strongly the picture drives the unit, not only a picture."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.inspection.probe import InspectionError, has_activation, single_input, without_activation

# Lucid's colour correlation of ImageNet (the square root of its covariance, from its SVD), normalised by its
# largest column norm: optimising in these decorrelated colours keeps colours natural.
_COLOUR_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32)
_COLOUR_SQRT /= np.max(np.linalg.norm(_COLOUR_SQRT, axis=0))


@dataclass
class FeatureImages:
    layer_id: str
    channels: list[int]
    images: np.ndarray  # (count, size, size, colours) in 0..1
    start_activation: np.ndarray  # (count,) the channel's mean for the random starting images
    final_activation: np.ndarray  # (count,) ... for the optimised images
    steps: int
    before_activation: bool  # the means are of the values before the layer's activation function


def _frequencies(size: int) -> np.ndarray:
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    return np.sqrt(fx * fx + fy * fy)


def objective_model(model: Any, layer_id: str) -> tuple[Any, Callable[[Any], Any]]:
    """A model from the input to the layer's input, and the function that finishes it: the layer itself with its
    activation function left out (a copy with the same weights) when it has one — a ReLU unit silent for the
    random start would give no gradient, and a softmax class can rise by pushing the others down — otherwise
    the model to the layer's output and nothing more."""
    import keras

    try:
        layer = model.get_layer(layer_id)
    except ValueError as error:
        raise InspectionError(f"the model has no layer {layer_id}") from error
    inputs = single_input(model)
    if not inputs.dtype.startswith("float") or len(inputs.shape) != 4:
        raise InspectionError("feature visualization optimises an image; this model's input is not one")
    if isinstance(layer.output, (list, tuple)):
        raise InspectionError(f"{layer_id} has several outputs; choose a layer with one")
    linear = without_activation(layer)
    if linear is not None:
        return keras.Model(inputs, layer.input), linear
    return keras.Model(inputs, layer.output), lambda values: values


def before_activation(model: Any, layer_id: str) -> bool:
    """Whether the visualization of `layer_id` maximises its values before its activation function."""
    return has_activation(model.get_layer(layer_id))


def visualize_channels(model: Any, layer_id: str, channels: list[int], size: int = 64, steps: int = 256,
                       learning_rate: float = 0.05, jitter: int = 4, scales: tuple[float, float] = (0.9, 1.1),
                       total_variation: float = 0.01, decorrelate: bool = True,
                       value_range: tuple[float, float] = (0.0, 1.0), seed: int = 0,
                       progress: Callable[[int, int], None] | None = None) -> FeatureImages:
    """One `size` x `size` image per channel of `layer_id`, each maximising the mean of its channel (or its
    class's logit); `value_range` is what the model's input takes (0..1, or 0..255 for unscaled images)."""
    import tensorflow as tf

    if not channels:
        raise InspectionError("choose at least one channel")
    probe, finish = objective_model(model, layer_id)
    height, width, colours = (int(d) if d is not None else None for d in single_input(model).shape[1:])
    if colours not in (1, 3):
        raise InspectionError(f"feature visualization draws gray or colour images; this input has {colours} "
                              "channels")
    out_channels = int(model.get_layer(layer_id).output.shape[-1])
    if max(channels) >= out_channels or min(channels) < 0:
        raise InspectionError(f"{layer_id} has channels 0 to {out_channels - 1}")
    height, width = height or size, width or size
    count = len(channels)
    rng = np.random.default_rng(seed)
    tf.random.set_seed(seed)
    bins = _frequencies(size)
    scale = (1.0 / np.maximum(bins, 1.0 / size)).astype(np.float32) * size  # 1/f: every frequency moves alike
    shape = (2, count, colours, size, size // 2 + 1)
    spectrum = tf.Variable(rng.normal(0, 0.01, shape).astype(np.float32))
    scale_t = tf.constant(scale)
    colour_t = tf.constant(_COLOUR_SQRT.T if colours == 3 and decorrelate else np.eye(colours, dtype=np.float32))
    low, high = value_range
    selector = tf.one_hot(channels, out_channels)  # (count, out_channels)

    def image() -> tf.Tensor:
        complex_spectrum = tf.complex(spectrum[0] * scale_t, spectrum[1] * scale_t)
        pixels = tf.signal.irfft2d(complex_spectrum, fft_length=[size, size])  # (count, colours, size, size)
        pixels = tf.transpose(pixels, [0, 2, 3, 1]) / 4.0
        pixels = tf.einsum("bhwc,dc->bhwd", pixels, colour_t)
        return tf.sigmoid(pixels)

    def score(pixels01: tf.Tensor, augment: bool) -> tf.Tensor:
        batch = pixels01
        if augment:
            factor = tf.random.uniform([], *scales)
            scaled = tf.cast(tf.round(tf.cast([height, width], tf.float32) * factor), tf.int32)
            batch = tf.image.resize(batch, scaled)
            batch = tf.image.resize_with_crop_or_pad(batch, height, width)
            shift = tf.random.uniform([2], -jitter, jitter + 1, dtype=tf.int32)
            batch = tf.roll(batch, shift=shift, axis=[1, 2])
        else:
            batch = tf.image.resize(batch, [height, width])
        values = finish(probe(low + (high - low) * batch, training=False))
        axes = list(range(1, len(values.shape) - 1))
        pooled = tf.reduce_mean(values, axis=axes) if axes else values  # (count, out_channels)
        return tf.reduce_sum(pooled * selector, axis=-1)

    import keras

    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            pixels = image()
            variation = tf.reduce_mean(tf.image.total_variation(pixels)) / (size * size)
            loss = -tf.reduce_sum(score(pixels, True)) + total_variation * variation * count
        gradients = tape.gradient(loss, [spectrum])
        optimizer.apply_gradients(zip(gradients, [spectrum], strict=True))
        return loss

    start = score(image(), False).numpy()
    report_every = max(1, steps // 32)
    for index in range(steps):
        step()
        if progress is not None and ((index + 1) % report_every == 0 or index + 1 == steps):
            progress(index + 1, steps)
    final_images = image()
    final = score(final_images, False).numpy()
    return FeatureImages(layer_id, list(channels), final_images.numpy().astype(np.float32), start, final, steps,
                         before_activation(model, layer_id))
