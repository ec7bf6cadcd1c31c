"""More attributions for a classifier's chosen class, computed with batched gradients: Integrated Gradients
(Sundararajan et al., 2017) from a black, blurred or uniform baseline, SmoothGrad (Smilkov et al., 2017), and
occlusion sensitivity (Zeiler & Fergus, 2014). Numbers in, numbers out: (height, width, channels) attributions
for IG and SmoothGrad, a (height, width) drop in the class score for occlusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.inspection.attribution import _chosen_class, _class_score, _single_output
from models.inspection.probe import InspectionError, single_input

BASELINES = ("black", "blurred", "uniform")


@dataclass
class Attribution:
    values: np.ndarray  # per input value (IG, SmoothGrad) or per pixel (occlusion)
    class_index: int
    score: float  # the class score of the input
    baseline_score: float | None = None  # IG: the class score of the baseline (completeness: sum = score - this)
    on_logits: bool = False  # the scores are the class's logit (before the softmax), not its probability


def _check_image_model(model: Any) -> None:
    _single_output(model)
    if not single_input(model).dtype.startswith("float"):
        raise InspectionError("attributions need a real-valued input (an image), not tokens")


def baseline_for(sample: np.ndarray, kind: str | np.ndarray) -> np.ndarray:
    """The input IG starts from: all zeros ("black"), the sample blurred (a Gaussian of sigma 5 pixels), or its
    mean value everywhere ("uniform"); an array is used as it is."""
    sample = np.asarray(sample, dtype=np.float32)
    if isinstance(kind, np.ndarray):
        return kind.astype(np.float32)
    if kind == "black":
        return np.zeros_like(sample)
    if kind == "uniform":
        return np.full_like(sample, float(sample.mean()))
    if kind == "blurred":
        from scipy.ndimage import gaussian_filter

        sigma = (5.0, 5.0, 0.0)[: sample.ndim]
        return gaussian_filter(sample, sigma=sigma).astype(np.float32)
    raise InspectionError(f"baseline must be one of {', '.join(BASELINES)}")


def _scores_and_gradients(model: Any, batch: np.ndarray, class_index: int,
                          logits: bool = False) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow as tf

    inputs = tf.convert_to_tensor(batch.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = _class_score(model(inputs, training=False), class_index, logits=logits)
        total = tf.reduce_sum(scores)
    return scores.numpy(), tape.gradient(total, inputs).numpy()


def _chosen(model: Any, sample: np.ndarray, class_index: int | None) -> tuple[int, float]:
    """The class explained (the predicted one unless given) and its score for `sample`, from one forward pass."""
    predictions = np.asarray(model(sample[None].astype(np.float32), training=False))
    chosen = _chosen_class(predictions, class_index)
    return chosen, float(np.asarray(_class_score(predictions, chosen))[0])


def integrated_gradients(model: Any, sample: np.ndarray, class_index: int | None = None,
                         baseline: str | np.ndarray = "black", steps: int = 64, batch_size: int = 32,
                         progress=None) -> Attribution:
    """(x - x') times the mean gradient along the straight path from the baseline x' to x (midpoint rule over
    `steps`): the attributions add up to f(x) - f(x') up to the path's discretisation (completeness)."""
    _check_image_model(model)
    sample = np.asarray(sample, dtype=np.float32)
    start = baseline_for(sample, baseline)
    chosen, score = _chosen(model, sample, class_index)
    alphas = (np.arange(steps, dtype=np.float32) + 0.5) / steps
    total = np.zeros_like(sample, dtype=np.float64)
    for first in range(0, steps, batch_size):
        part = alphas[first:first + batch_size]
        path = start[None] + part.reshape(-1, *([1] * sample.ndim)) * (sample - start)[None]
        _, gradients = _scores_and_gradients(model, path, chosen)
        total += gradients.sum(axis=0)
        if progress is not None:
            progress(min(first + batch_size, steps), steps)
    baseline_score, _ = _scores_and_gradients(model, start[None], chosen)
    return Attribution((sample - start) * total / steps, chosen, score, float(baseline_score[0]))


def smoothgrad(model: Any, sample: np.ndarray, class_index: int | None = None, noise: float = 0.15,
               samples: int = 25, seed: int = 0, batch_size: int = 25, progress=None) -> Attribution:
    """The gradient averaged over copies of the input with Gaussian noise of `noise` x the input's value range."""
    _check_image_model(model)
    sample = np.asarray(sample, dtype=np.float32)
    chosen, score = _chosen(model, sample, class_index)
    spread = noise * float(sample.max() - sample.min() or 1.0)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(sample, dtype=np.float64)
    for first in range(0, samples, batch_size):
        count = min(batch_size, samples - first)
        noisy = sample[None] + rng.normal(0.0, spread, size=(count, *sample.shape)).astype(np.float32)
        _, gradients = _scores_and_gradients(model, noisy, chosen)
        total += gradients.sum(axis=0)
        if progress is not None:
            progress(first + count, samples)
    return Attribution(total / samples, chosen, score)


def occlusion(model: Any, sample: np.ndarray, class_index: int | None = None, patch: int = 8, stride: int = 4,
              fill: str | np.ndarray = "uniform", batch_size: int = 64, progress=None,
              on_logits: bool = True) -> Attribution:
    """How much the class score drops when a `patch` x `patch` square (moved by `stride`) is replaced by the
    baseline `fill`; each pixel gets the mean drop of the squares covering it. The score is the class's logit
    when the model ends in a softmax or sigmoid (`on_logits`): a confident probability sits at 1.0 and hardly
    moves under any square."""
    from models.inspection.probe import logits_model

    _check_image_model(model)
    sample = np.asarray(sample, dtype=np.float32)
    if sample.ndim != 3:
        raise InspectionError("occlusion needs an image input (height, width, channels)")
    chosen, _probability = _chosen(model, sample, class_index)
    scorer, on_logits = logits_model(model) if on_logits else (model, False)
    score = float(_scores_and_gradients(scorer, sample[None], chosen, on_logits)[0][0])
    filler = baseline_for(sample, fill)
    height, width = sample.shape[:2]
    corners = [(r, c) for r in range(0, max(height - patch, 0) + 1, stride)
               for c in range(0, max(width - patch, 0) + 1, stride)]
    drop = np.zeros((height, width))
    covered = np.zeros((height, width))
    for first in range(0, len(corners), batch_size):
        part = corners[first:first + batch_size]
        batch = np.repeat(sample[None], len(part), axis=0)
        for index, (r, c) in enumerate(part):
            batch[index, r:r + patch, c:c + patch] = filler[r:r + patch, c:c + patch]
        scores, _ = _scores_and_gradients(scorer, batch, chosen, on_logits)
        for (r, c), occluded in zip(part, scores, strict=True):
            drop[r:r + patch, c:c + patch] += score - float(occluded)
            covered[r:r + patch, c:c + patch] += 1
        if progress is not None:
            progress(first + len(part), len(corners))
    return Attribution(drop / np.maximum(covered, 1), chosen, score, on_logits=on_logits)


def grad_cam_plus_plus(model: Any, sample: np.ndarray, layer_id: str | None = None,
                       class_index: int | None = None) -> Attribution:
    """Grad-CAM++ (Chattopadhay et al., 2018): the layer's maps weighted by the positive gradients of the class's
    score before the softmax, each scaled by
    alpha = g^2 / (2 g^2 + sum(A) g^3) (the closed form for an exponential of the score), ReLU, scaled to 0..1
    and resized to the input: several objects of a class each get their share, not only the strongest."""
    import tensorflow as tf

    from models.inspection.attribution import _resize, default_cam_layer, maps_and_scores, spatial_layer_ids

    _check_image_model(model)
    sample = np.asarray(sample, dtype=np.float32)
    layer_id = layer_id or default_cam_layer(model)
    if layer_id not in spatial_layer_ids(model):
        raise InspectionError(f"{layer_id} has no height x width output; Grad-CAM++ needs a spatial layer")
    probe = maps_and_scores(model, layer_id)
    batch = tf.convert_to_tensor(sample[None])
    with tf.GradientTape() as tape:
        maps, logits, predictions = probe(batch, training=False)
        chosen = _chosen_class(predictions.numpy(), class_index)
        class_score = _class_score(logits, chosen, logits=True)
    score = float(np.asarray(class_score)[0])
    gradients = tape.gradient(class_score, maps)
    if gradients is None:
        raise InspectionError(f"the output does not depend on {layer_id}")
    maps, gradients = maps.numpy()[0].astype(np.float64), gradients.numpy()[0].astype(np.float64)
    squared, cubed = gradients**2, gradients**3
    denominator = 2 * squared + maps.sum(axis=(0, 1), keepdims=True) * cubed
    alpha = np.divide(squared, denominator, out=np.zeros_like(squared), where=np.abs(denominator) > 1e-12)
    weights = (alpha * np.maximum(gradients, 0)).sum(axis=(0, 1))
    cam = np.maximum((maps * weights).sum(axis=-1), 0)
    top = cam.max()
    cam = cam / top if top > 0 else cam
    return Attribution(np.clip(_resize(cam, sample.shape[0], sample.shape[1]), 0, 1), chosen, score)
