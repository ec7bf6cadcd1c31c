"""A layer in a few words, as its canvas card says it."""

from models.graph.describe import layer_summary
from models.graph.spec import LayerNode
from tests.model_helpers import imported_relu6


def test_key_parameters_and_a_frozen_layer_on_the_card():
    conv = LayerNode("c", "Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"})
    assert layer_summary(conv) == "Conv2D · 32 · 3x3 · relu"  # padding 'valid' is the default: not shown
    conv.params["trainable"] = False
    assert layer_summary(conv) == "Conv2D · 32 · 3x3 · relu · frozen"
    imported = LayerNode("r", "KerasLayer", {"layer": imported_relu6([4, 4, 3])})
    assert layer_summary(imported) == "KerasLayer · ReLU"  # an imported layer shows its Keras class
