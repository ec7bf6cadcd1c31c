"""One entry point for the Predictions tab's attribution methods: the method by name with its settings, and the
result as a heat map in 0..1 with a sentence saying what it shows (for IG, how closely the attributions add up
to the change of the score, so the view shows its own error)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.inspection import attribution_methods as methods
from models.inspection.probe import InspectionError

METHODS = ("Integrated Gradients", "SmoothGrad", "Grad-CAM++", "Occlusion")


@dataclass
class AttributionView:
    method: str
    heat: np.ndarray  # (height, width) in 0..1, the overlay
    values: np.ndarray  # the method's own numbers (per input value or per pixel), for export
    class_index: int
    text: str  # what the map shows, in words
    settings: dict[str, Any] = field(default_factory=dict)


def scaled_magnitude(values: np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """|attribution| summed over colour channels, divided by its `percentile` and clipped to 0..1 (the usual way
    to draw IG and SmoothGrad: a few extreme pixels would otherwise leave the rest black)."""
    magnitude = np.abs(values).sum(axis=-1) if values.ndim == 3 else np.abs(values)
    top = float(np.percentile(magnitude, percentile))
    top = top if top > 0 else float(magnitude.max())
    return np.clip(magnitude / top, 0.0, 1.0).astype(np.float32) if top > 0 else np.zeros_like(magnitude, np.float32)


def positive_part(drop: np.ndarray) -> np.ndarray:
    """An occlusion map's drops of the score scaled to 0..1; spots where covering raised the score stay at 0."""
    top = float(drop.max())
    return (np.clip(drop, 0.0, None) / top).astype(np.float32) if top > 0 else np.zeros_like(drop, np.float32)


def attribute(model: Any, sample: np.ndarray, method: str, class_index: int | None = None,
              settings: dict[str, Any] | None = None, progress=None) -> AttributionView:
    """Run `method` (one of METHODS) with `settings` (steps/baseline, noise/samples, layer, patch/stride) on one
    sample; `progress(done, total)` is called between batches (raise from it to cancel)."""
    settings = dict(settings or {})
    if method == "Integrated Gradients":
        steps, baseline = int(settings.get("steps", 64)), str(settings.get("baseline", "black"))
        result = methods.integrated_gradients(model, sample, class_index, baseline, steps, progress=progress)
        change = result.score - result.baseline_score
        total = float(result.values.sum())
        error = abs(total - change) / max(abs(change), 1e-9)
        text = (f"Integrated Gradients ({baseline} baseline, {steps} steps), |attribution| per pixel. They add up "
                f"to {total:.4g}; the score went from {result.baseline_score:.4g} to {result.score:.4g} "
                f"({change:+.4g}): {error:.1%} apart" + ("; more steps bring them closer." if error > 0.05 else "."))
        return AttributionView(method, scaled_magnitude(result.values), result.values, result.class_index, text,
                               {"steps": steps, "baseline": baseline})
    if method == "SmoothGrad":
        noise, count = float(settings.get("noise", 0.15)), int(settings.get("samples", 25))
        result = methods.smoothgrad(model, sample, class_index, noise=noise, samples=count, progress=progress)
        text = (f"SmoothGrad: the gradient averaged over {count} noisy copies (noise {noise:.0%} of the input's "
                f"range), |value| per pixel.")
        return AttributionView(method, scaled_magnitude(result.values), result.values, result.class_index, text,
                               {"noise": noise, "samples": count})
    if method == "Grad-CAM++":
        layer = settings.get("layer") or None
        result = methods.grad_cam_plus_plus(model, sample, layer, class_index)
        if progress is not None:
            progress(1, 1)
        text = f"Grad-CAM++ of {layer or 'the last convolution'}: every region the class's evidence comes from."
        return AttributionView(method, result.values.astype(np.float32), result.values, result.class_index, text,
                               {"layer": layer or ""})
    if method == "Occlusion":
        patch, stride = int(settings.get("patch", 8)), int(settings.get("stride", 4))
        result = methods.occlusion(model, sample, class_index, patch=patch, stride=stride, progress=progress)
        what = "logit (its score before the final softmax or sigmoid)" if result.on_logits else "score"
        text = (f"Occlusion: how much the class's {what}, {result.score:.4g}, drops when a {patch}x{patch} square, "
                f"moved by {stride} px, is covered with the image's mean; ")
        largest = float(result.values.max())
        noticeable = largest > 1e-4 * max(1.0, abs(result.score))
        text += (f"the largest drop is {largest:.4g}. Dark where covering changed nothing or raised it."
                 if noticeable else f"covering no square lowered it noticeably (largest drop {largest:.2g}): the "
                 "map stays dark.")
        heat = positive_part(result.values) if noticeable else np.zeros_like(result.values, np.float32)
        return AttributionView(method, heat, result.values, result.class_index, text,
                               {"patch": patch, "stride": stride})
    raise InspectionError(f"unknown attribution method {method!r}; choose one of {', '.join(METHODS)}")
