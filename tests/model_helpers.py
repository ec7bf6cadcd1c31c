"""Small specs used across the model-core tests."""

from __future__ import annotations

from models.graph.catalog import CATALOG, KERAS_LAYER, LayerType
from models.graph.spec import ModelSpec

IMAGE = [12, 12, 4]
SEQUENCE = [10, 6]


def sample_input_shape(kind: LayerType) -> list[int]:
    if kind.name == "Permute":  # its default dims [2, 1] swap the two axes of a sequence
        return SEQUENCE
    ranks = kind.input_ranks or (3,)
    if 3 in ranks:
        return IMAGE
    if 2 in ranks:
        return SEQUENCE
    return [10]


def imported_relu6(shape: list[int]) -> dict:
    """A `KerasLayer` description as the import writes it, for keras.layers.ReLU(max_value=6)."""
    return {"class_name": "ReLU", "module": "keras.layers", "registered_name": None,
            "config": {"trainable": True, "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0},
            "call": {"args": [{"__input__": 0}], "kwargs": {}}, "input_shapes": [list(shape)],
            "output_shape": list(shape), "params": [0, 0]}


def spec_for(type_name: str, params: dict | None = None) -> ModelSpec:
    """A tiny model that exercises one layer type with inputs it accepts."""
    kind = CATALOG[type_name]
    spec = ModelSpec(name=f"probe_{type_name.lower()}")
    if type_name == KERAS_LAYER and params is None:  # an imported layer: as Keras serialises a ReLU(6)
        spec.add_node("Input", {"shape": [6, 6, 3]}, node_id="x")
        spec.append(type_name, {"layer": imported_relu6([6, 6, 3])})
        return spec
    if type_name == "Embedding":
        spec.add_node("Input", {"shape": [10], "dtype": "int32"}, node_id="x")
        spec.append(type_name, params)
        return spec
    shape = sample_input_shape(kind)
    spec.add_node("Input", {"shape": shape}, node_id="x")
    if kind.is_input:
        return spec
    if kind.is_merge or type_name == "Attention":
        spec.add_node("Dense", {"units": shape[-1]}, ["x"], node_id="left")
        spec.add_node("Dense", {"units": shape[-1]}, ["x"], node_id="right")
        spec.add_node(type_name, params or {}, ["left", "right"], node_id="merged")
        return spec
    if type_name == "LayerScale" and params is None:  # one factor per channel of its input
        params = {"projection_dim": shape[-1]}
    spec.append(type_name, params)
    return spec


def node_param_count(model, node_id: str) -> int:
    """A node's parameters in the built model: its layer's, plus the learned table of a PositionEmbedding (a
    layer of its own, `<id>_positions`, so that saved models load with plain Keras)."""
    from models.building.builder import POSITIONS_SUFFIX

    names = {layer.name for layer in model.layers}
    table = node_id + POSITIONS_SUFFIX
    return model.get_layer(node_id).count_params() + (model.get_layer(table).count_params() if table in names else 0)
