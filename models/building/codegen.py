"""ModelSpec -> a standalone Python file that rebuilds the same Keras model with plain Keras.

Same layer types, arguments, names and connections; one line per layer with its output shape and
parameter count as a comment, the way a person would annotate it. Strata's own PositionEmbedding is written
in Keras core parts, as the builder makes it, so the file needs nothing but Keras.
"""

from __future__ import annotations

from models import __version__
from models.building.codegen_training import training_lines
from models.checks.problems import BuildError
from models.checks.shapes import keras_shape
from models.checks.validate import ValidationReport, validate
from models.graph.catalog import KERAS_LAYER, LAYER_SCALE_MODULE, layer_type
from models.graph.spec import LayerNode, ModelSpec


def _literal(value) -> str:
    """Python source for a parameter value (lists become tuples, as in Keras signatures)."""
    if isinstance(value, list):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _arguments(node: LayerNode) -> list[str]:
    kind = layer_type(node.type)
    args = []
    for name, value in node.effective_params().items():
        param = kind.param(name)
        if not param.required and param.is_default(value):
            continue
        if param.kind == "keras_arguments":
            args.extend(f"{key}={argument!r}" for key, argument in value.items())
        elif param.kind == "recurrent_layer":
            inner = LayerNode("inner", value["class_name"], dict(value.get("config", {})))
            args.append(f"{name}=layers.{inner.type}({', '.join(_arguments(inner))})")
        else:
            args.append(f"{name}={_literal(value)}")
    return args


def variable_names(spec: ModelSpec) -> dict[str, str]:
    """Each layer's Python variable: its id, unless that would hide a name the file uses (`keras`, `layers`,
    `math`); then the id with a trailing underscore (the layer keeps its name)."""
    taken = {"keras", "layers", "math", "build_model", "train"}
    names: dict[str, str] = {}
    for node_id in spec.nodes:
        name = node_id
        while name in taken or (name != node_id and name in spec.nodes):
            name += "_"
        names[node_id] = name
        taken.add(name)
    return names


def _imported_call(node: LayerNode, names: dict[str, str]) -> str:
    """The recorded call of an imported layer with its inputs' variables in place of the markers."""
    from models.building.builder import INPUT_MARKER

    def source(value) -> str:
        if isinstance(value, dict) and set(value) == {INPUT_MARKER}:
            return names[node.inputs[value[INPUT_MARKER]]]
        if isinstance(value, list):
            return "[" + ", ".join(source(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {source(v)}" for k, v in value.items()) + "}"
        return repr(value)

    call = node.params["layer"]["call"]
    parts = [source(v) for v in call["args"]] + [f"{k}={source(v)}" for k, v in call["kwargs"].items()]
    return f"({', '.join(parts)})"


def _imported_layer(node: LayerNode, names: dict[str, str]) -> str:
    """An imported layer rebuilt from Keras's own description of it."""
    layer = node.params["layer"]
    described = {"module": layer["module"], "class_name": layer["class_name"],
                 "config": {**layer["config"], "name": node.id}, "registered_name": layer["registered_name"]}
    return f"keras.saving.deserialize_keras_object({described!r}){_imported_call(node, names)}"


def _position_embedding(node: LayerNode, names: dict[str, str], report: ValidationReport) -> str:
    """As the builder makes it, from Keras core parts: positions 0..L-1 counted from the input, a learned table."""
    source, params = names[node.inputs[0]], node.effective_params()
    features = report.nodes[node.inputs[0]].output_shape[-1]
    table = (f'layers.Embedding({params["sequence_length"]}, {features}, '
             f'embeddings_initializer="{params["initializer"]}", name="{node.id}_positions")')
    return (f'{names[node.id]}_ids = keras.ops.cast(keras.ops.cumsum(keras.ops.ones_like(keras.ops.sum({source}, '
            f'axis=-1)), axis=1) - 1.0, "int32")  # positions 0..L-1\n'
            f'    {names[node.id]} = layers.Add(name="{node.id}")([{source}, {table}({names[node.id]}_ids)])')


def _call(node: LayerNode, names: dict[str, str]) -> str:
    kind = layer_type(node.type)
    inputs = [names[i] for i in node.inputs]
    if node.type == "MultiHeadAttention":
        query_value = inputs + [inputs[0]] * (2 - len(inputs))  # self-attention: value = query
        extra = f", key={inputs[2]}" if len(inputs) > 2 else ""
        return f"({query_value[0]}, {query_value[1]}{extra})"
    if kind.is_merge or node.type == "Attention":
        return f"([{', '.join(inputs)}])"
    return f"({inputs[0]})"


def _comment(report: ValidationReport, node_id: str) -> str:
    info = report.nodes[node_id]
    return f"# -> {keras_shape(info.output_shape)}" + (f", {info.params:,} params" if info.params else "")


def generate_code(spec: ModelSpec, report: ValidationReport | None = None, training: dict | None = None,
                  dataset: dict | None = None) -> str:
    """Source of a module with `build_model()` and `train()` (the project's `training` settings; `dataset` is
    named in a comment); the spec must validate (shapes go into comments)."""
    report = report or validate(spec)
    if not report.valid:
        raise BuildError(report)
    train_part = training_lines(spec, training, dataset)
    lines = [
        f'"""Keras model "{spec.name}", exported by Strata {__version__}.',
        "",
        "Rebuilds the model with plain Keras 3 (`python this_file.py` prints its summary); `train()` compiles",
        "and fits it with the project's training settings.",
        f"Parameters: {report.total_params:,} ({report.trainable_params:,} trainable).",
        '"""',
        "",
        *(["import math", ""] if "math." in "\n".join(train_part) else []),
        "import keras",
        "from keras import layers",
        *([f"from {LAYER_SCALE_MODULE} import LayerScale  # Keras's own, used by ConvNeXt"]
          if any(node.type == "LayerScale" for node in spec.nodes.values()) else []),
        "",
    ]
    lines += ["def build_model() -> keras.Model:"]
    names = variable_names(spec)
    for owner in dict.fromkeys(spec.shared.values()):  # a layer called on several inputs: made once, called twice
        node = spec.nodes[owner]
        args = ", ".join([*_arguments(node), f'name="{owner}"'])
        lines += [f"    {names[owner]}_layer = layers.{node.type}({args})  # shared: its weights serve every call"]
    for node_id in spec.topological_order():
        node, name = spec.nodes[node_id], names[node_id]
        if layer_type(node.type).is_input:
            params = node.effective_params()
            dtype = f', dtype="{params["dtype"]}"' if params["dtype"] != "float32" else ""
            code = f'{name} = keras.Input(shape={_literal(list(params["shape"]))}{dtype}, name="{node_id}")'
        elif node.type == KERAS_LAYER:
            code = f"{name} = {_imported_layer(node, names)}"
        elif node.type == "PositionEmbedding":
            code = _position_embedding(node, names, report)
        elif node_id in spec.shared or node_id in spec.shared.values():
            code = f"{name} = {names[spec.shared.get(node_id, node_id)]}_layer{_call(node, names)}"
        else:
            prefix = "" if layer_type(node.type).module in ("strata", LAYER_SCALE_MODULE) else "layers."
            args = ", ".join([*_arguments(node), f'name="{node_id}"'])
            code = f"{name} = {prefix}{node.type}({args}){_call(node, names)}"
        lines += [f"    {_comment(report, node_id)}", f"    {code}"]
    inputs, outputs = spec.input_ids(), spec.output_ids()
    as_list = lambda ids: names[ids[0]] if len(ids) == 1 else "[" + ", ".join(names[i] for i in ids) + "]"  # noqa: E731
    lines += [f'    return keras.Model(inputs={as_list(inputs)}, outputs={as_list(outputs)}, name="{spec.name}")']
    lines += train_part
    return "\n".join(lines)
