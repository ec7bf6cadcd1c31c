"""Which inspection views apply to a model, and a plain reason for each that does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.inspection.attribution import spatial_layer_ids
from models.inspection.boundary import takes_plane
from models.inspection.filters import conv_layer_ids
from models.inspection.probe import inspectable_layers

if TYPE_CHECKING:
    import keras


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
