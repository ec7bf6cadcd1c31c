"""ModelSpec -> keras.Model through the functional API, with the attention scores kept reachable for inspection.

Layer names are node ids, so a trained model, its summary, its exported code and the canvas all use
the same names. Attention layers are called with `return_attention_scores=True` on their first
(symbolic) call -- the only call where Keras allows it -- so `models.inspection.Probe` can read the scores while the
model itself outputs only the attended values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.checks.problems import BuildError
from models.checks.validate import ValidationReport, validate
from models.environment import configure_keras_environment
from models.graph.catalog import KERAS_ARGUMENTS, KERAS_LAYER, LAYER_SCALE_MODULE, layer_type
from models.graph.spec import LayerNode, ModelSpec

configure_keras_environment()

import keras  # noqa: E402

POSITIONS_SUFFIX = "_positions"  # the learned table of a PositionEmbedding node, a layer of its own
INPUT_MARKER = "__input__"  # in an imported layer's recorded call: {"__input__": i} is the node's i-th input


class BuildStopped(Exception):  # noqa: N818 (a request, not a failure)
    """The build was asked to stop (the window or project is closing) before it finished."""


@dataclass
class BuiltModel:
    """The Keras model plus the symbolic tensors the probes need."""

    model: keras.Model
    outputs_by_node: dict[str, Any]
    attention_scores: dict[str, Any] = field(default_factory=dict)
    input_ids: list[str] = field(default_factory=list)


def keras_arguments(node: LayerNode) -> dict[str, Any]:
    """The node's effective parameters as Keras constructor arguments (lists -> tuples where Keras wants)."""
    kind = layer_type(node.type)
    arguments = {}
    for name, value in node.effective_params().items():
        param = kind.param(name)
        if param.kind == "padding2d" and isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        elif isinstance(value, list):
            value = tuple(value)
        arguments[name] = value
    arguments.update(arguments.pop(KERAS_ARGUMENTS, None) or {})  # Keras reads its own serialised values
    return arguments


def make_layer(node: LayerNode, dtype: str | None = None) -> keras.layers.Layer:
    """A fresh Keras layer for a (non-Input) node; `dtype` overrides the global precision policy."""
    kind = layer_type(node.type)
    arguments = keras_arguments(node)
    if dtype is not None:
        arguments["dtype"] = dtype
    if node.type == "Bidirectional":
        inner = arguments.pop("layer")
        inner_node = LayerNode(f"{node.id}_inner", inner["class_name"], dict(inner.get("config", {})))
        arguments["layer"] = make_layer(inner_node)
    if kind.module == "strata":
        from models.building.custom_layers import CUSTOM_LAYERS

        return CUSTOM_LAYERS[node.type](**arguments, name=node.id)
    if node.type == KERAS_LAYER:
        return keras_layer_object(node.params["layer"], node.id, dtype)
    if kind.module == LAYER_SCALE_MODULE:
        from keras.src.applications.convnext import LayerScale  # Keras's own class, not in keras.layers

        return LayerScale(**arguments, name=node.id)
    return getattr(keras.layers, node.type)(**arguments, name=node.id)


def set_layer_weights(layer: keras.layers.Layer, weights: list) -> None:
    """`layer.set_weights`, then what Keras does after loading a file: a layer whose weights feed derived state
    (Normalization's mean and variance from its adapted statistics) recomputes it."""
    layer.set_weights(weights)
    finalize = getattr(layer, "finalize_state", None)
    if callable(finalize):
        finalize()


def set_model_weights(model: keras.Model, weights: list) -> None:
    """`model.set_weights` with each layer's derived state recomputed (see `set_layer_weights`)."""
    model.set_weights(weights)
    for layer in model.layers:
        finalize = getattr(layer, "finalize_state", None)
        if callable(finalize) and layer.weights:
            finalize()


def keras_layer_object(layer: dict[str, Any], name: str, dtype: str | None = None) -> Any:
    """A fresh Keras layer (or operation) from an imported layer's serialised description."""
    config = {**layer["config"], "name": name}
    if dtype is not None:
        config["dtype"] = dtype
    return keras.saving.deserialize_keras_object({"module": layer["module"], "class_name": layer["class_name"],
                                                  "config": config, "registered_name": layer["registered_name"]})


def call_arguments(call: dict[str, Any], inputs: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """An imported layer's recorded call with its inputs in place of the `{"__input__": i}` markers."""

    def fill(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {INPUT_MARKER}:
            return inputs[value[INPUT_MARKER]]
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return fill(call["args"]), fill(call["kwargs"])


def position_embedding(node: LayerNode, x: Any, dtype: str | None = None) -> Any:
    """Strata's PositionEmbedding in Keras core parts, so that a saved model loads with plain Keras (no Strata
    class to register): the positions 0..L-1 counted from the input itself, looked up in a learned table (an
    Embedding named `<id>_positions`), added to the input by an Add named `<id>`."""
    params = node.effective_params()
    ones = keras.ops.ones_like(keras.ops.sum(x, axis=-1))
    positions = keras.ops.cast(keras.ops.cumsum(ones, axis=1) - 1.0, "int32")
    table = keras.layers.Embedding(params["sequence_length"], x.shape[-1], embeddings_initializer=params["initializer"],
                                   name=f"{node.id}{POSITIONS_SUFFIX}", dtype=dtype)(positions)
    return keras.layers.Add(name=node.id, dtype=dtype)([x, table])


def _call(node: LayerNode, layer: keras.layers.Layer, inputs: list[Any]) -> tuple[Any, Any]:
    """Connect a layer; returns (output, attention scores or None)."""
    if node.type == "MultiHeadAttention":
        query = inputs[0]
        value = inputs[1] if len(inputs) > 1 else query
        key = inputs[2] if len(inputs) > 2 else None
        output, scores = layer(query, value, key=key, return_attention_scores=True)
        return output, scores
    if node.type == "Attention":
        output, scores = layer(inputs, return_attention_scores=True)
        return output, scores
    if node.type == KERAS_LAYER:
        args, kwargs = call_arguments(node.params["layer"]["call"], inputs)
        return layer(*args, **kwargs), None
    if layer_type(node.type).is_merge:
        return layer(inputs), None
    return layer(inputs[0]), None


# Keras draws every initial weight from one global seed generator: two threads building at once (the Trainer
# and the Inspection worker) would each take the other's draws, and a seeded run would start from other
# weights. Every build holds this lock; the Trainer seeds and builds inside it.
BUILD_LOCK = threading.RLock()


def build(spec: ModelSpec, report: ValidationReport | None = None,
          should_stop: Callable[[], bool] | None = None) -> BuiltModel:
    """Build the Keras model; raises BuildError with plain messages when the spec has problems, and
    BuildStopped, between two layers, once `should_stop()` says so (a large model takes seconds to build)."""
    with BUILD_LOCK:
        return _build(spec, report, should_stop)


def _build(spec: ModelSpec, report: ValidationReport | None,
           should_stop: Callable[[], bool] | None) -> BuiltModel:
    report = report or validate(spec)
    if not report.valid:
        raise BuildError(report)
    tensors: dict[str, Any] = {}
    scores: dict[str, Any] = {}
    layers: dict[str, keras.layers.Layer] = {}  # node id -> its layer, made once (a shared layer is called again)
    # Under mixed precision the output layers compute in float32: Keras's rule for a numerically stable
    # softmax and loss (float16 probabilities underflow and the loss turns to inf).
    mixed = keras.mixed_precision.global_policy().compute_dtype != "float32"
    output_ids = set(spec.output_ids()) if mixed else set()
    for node_id in spec.topological_order():
        if should_stop is not None and should_stop():
            raise BuildStopped()
        node = spec.nodes[node_id]
        if layer_type(node.type).is_input:
            params = node.effective_params()
            tensors[node_id] = keras.Input(shape=tuple(params["shape"]), dtype=params["dtype"], name=node_id)
            continue
        dtype = "float32" if node_id in output_ids else None
        if node.type == "PositionEmbedding":
            tensors[node_id] = position_embedding(node, tensors[node.inputs[0]], dtype)
            continue
        owner = spec.shared.get(node_id, node_id)  # a shared layer: every call uses the first's layer object
        layer = layers.get(owner)
        if layer is None:
            layer = layers[owner] = make_layer(spec.nodes[owner], dtype)
        output, attention = _call(node, layer, [tensors[i] for i in node.inputs])
        tensors[node_id] = output
        if attention is not None:
            scores[node_id] = attention
    input_ids = spec.input_ids()
    output_ids = spec.output_ids()
    inputs = [tensors[i] for i in input_ids]
    outputs = [tensors[o] for o in output_ids]
    model = keras.Model(
        inputs=inputs[0] if len(inputs) == 1 else inputs,
        outputs=outputs[0] if len(outputs) == 1 else outputs,
        name=_model_name(spec.name),
    )
    return BuiltModel(model, tensors, scores, input_ids)


def _model_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in name).strip("_")
    return cleaned or "model"
