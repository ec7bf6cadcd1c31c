"""Attributions: where a classifier looked, by Grad-CAM (Selvaraju et al., 2017) and saliency (Simonyan et al.,
2013)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from models.inspection.filters import conv_layer_ids
from models.inspection.predictions import class_probabilities
from models.inspection.probe import InspectionError, batch_for, inspectable_layers, keras_module, single_input

if TYPE_CHECKING:
    import keras


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


def _class_score(predictions, class_index: int, logits: bool = False):
    """The class's column; for one sigmoid unit class 1 is p and class 0 is 1 - p, or on logits z and -z."""
    if predictions.shape[-1] == 1:
        if class_index == 1:
            return predictions[:, 0]
        return -predictions[:, 0] if logits else 1 - predictions[:, 0]
    return predictions[:, class_index]


def _resize(values: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(values.astype(np.float32)).resize((width, height), Image.Resampling.BILINEAR))


def _chosen_class(predictions: np.ndarray, class_index: int | None) -> int:
    if class_index is not None:
        return class_index
    probabilities = class_probabilities(predictions[0])
    return int(np.argmax(probabilities))


def maps_and_scores(model: keras.Model, layer_id: str) -> keras.Model:
    """One model giving the layer's maps, the class scores before a final softmax or sigmoid (what Grad-CAM
    differentiates: a confident probability sits at 1.0 and has almost no gradient) and the model's output
    (which chooses the predicted class)."""
    from models.inspection.probe import logits_model

    logits = logits_model(model)[0].outputs[0]
    return keras_module().Model(single_input(model), [model.get_layer(layer_id).output, logits, model.outputs[0]])


class GradCam:
    """Grad-CAM (Selvaraju et al., 2017): the chosen layer's maps weighted by the mean gradient of the class
    score before the softmax, ReLU, scaled to 0..1 and resized to the input image. Gradient models are built
    once per layer."""

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
            self._models[layer_id] = maps_and_scores(self.model, layer_id)
        batch = tf.convert_to_tensor(batch_for(self.model, sample))
        with tf.GradientTape() as tape:
            maps, logits, predictions = self._models[layer_id](batch, training=False)
            class_index = _chosen_class(predictions.numpy(), class_index)
            score = _class_score(logits, class_index, logits=True)
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
    """|d class score / d input|, the largest over colour channels, scaled to 0..1 (Simonyan et al., 2013); the
    score before a final softmax, as in the paper (a confident probability has almost no gradient)."""
    import tensorflow as tf

    _single_output(model)
    if not single_input(model).dtype.startswith("float"):
        raise InspectionError("saliency needs a real-valued input; this model takes "
                              f"{single_input(model).dtype} tokens")
    from models.inspection.probe import logits_model

    scorer, on_logits = logits_model(model)
    batch = tf.convert_to_tensor(batch_for(model, sample))
    class_index = _chosen_class(np.asarray(model(batch, training=False)), class_index)
    with tf.GradientTape() as tape:
        tape.watch(batch)
        score = _class_score(scorer(batch, training=False), class_index, logits=on_logits)
    gradient = np.abs(tape.gradient(score, batch).numpy()[0])
    if gradient.ndim == 3:
        gradient = gradient.max(axis=-1)
    top = gradient.max()
    return (gradient / top if top > 0 else gradient).astype(np.float32), class_index
