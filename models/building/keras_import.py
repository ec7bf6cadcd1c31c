"""A Keras model -> Strata's graph, with its weights: the way real models come in.

The model's own description (`get_config`, what Keras writes into a `.keras` file) gives the graph: every layer
and operation with the tensors it was called on. Each becomes a node named as in Keras (made a valid id where
Keras allows more). Nested models are opened up: their layers join the graph, and `ImportedModel.groups` says
which model each came from.

A layer becomes a catalog layer (editable in the inspector) when the catalog holds everything its configuration
says; anything else — a setting Strata has no field for, a Keras layer or operation it has no entry for, an
initializer with its own arguments — becomes a `KerasLayer` node that keeps Keras's configuration verbatim and
the shapes and parameter counts Keras measured. Nothing is dropped: after the graph is made, every node's output
shape and parameter count is compared with Keras's, and a node whose catalog form disagrees is kept as Keras's
configuration instead. A layer called on several inputs (shared weights) becomes a node per call, the later ones
sharing the first's layer (`ModelSpec.shared`). What cannot be represented at all (a layer with several outputs;
a Lambda or a class Keras cannot find; a shared layer Strata keeps as Keras's configuration) is refused with the
layer's name and class.

`transfer_weights` copies the weights into the model Strata builds from the graph, layer by layer.
"""

from __future__ import annotations

import json
import keyword
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets.file_checks import file_problem
from models.building.builder import INPUT_MARKER, set_layer_weights
from models.checks.validate import validate
from models.graph.catalog import CATALOG, KERAS_ARGUMENTS, KERAS_LAYER, LAYER_SCALE_MODULE
from models.graph.params import range_error, type_error
from models.graph.project import KERAS_SUFFIXES, KerasImportError
from models.graph.spec import LayerNode, ModelSpec

log = logging.getLogger(__name__)

MAX_MODEL_BYTES = 4 * 2**30  # a .keras file is a zip of the config and the weights; VGG16 is 528 MB
MAX_ID = 100
IGNORED_KEYS = {"name", "dtype", "build_config", "compile_config", "quantization_config"}
NESTED_CLASSES = {"Functional", "Sequential", "Model"}
TENSOR = "__keras_tensor__"
INITIALIZER_NAMES = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal", "HeUniform": "he_uniform",
                     "HeNormal": "he_normal", "LecunNormal": "lecun_normal", "Zeros": "zeros", "Ones": "ones"}


@dataclass
class ImportedModel:
    spec: ModelSpec
    sources: dict[str, Any]  # node id -> the Keras layer whose weights it takes
    groups: dict[str, str] = field(default_factory=dict)  # node id -> the nested model it came from
    kept_as_keras: list[str] = field(default_factory=list)  # node ids kept as Keras's configuration
    renamed: dict[str, str] = field(default_factory=dict)  # Keras name -> node id, where they differ


# ----- reading a file --------------------------------------------------------------------------------------
def load_keras_file(path: str | Path) -> Any:
    """The Keras model in a `.keras` (or Keras-3-readable `.h5`) file, or a KerasImportError that says why not."""
    import keras

    path = Path(path)
    problem = file_problem(path, "Keras model", MAX_MODEL_BYTES)
    if problem:
        raise KerasImportError(problem[0].upper() + problem[1:])
    if path.suffix.lower() not in KERAS_SUFFIXES:
        raise KerasImportError(f"{path.name} is not a Keras model file: Strata opens .keras files (and .h5 files "
                               "that Keras 3 can read)")
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises ValueError, TypeError, OSError, zipfile and h5py errors alike
        raise KerasImportError(_load_failure(path, error, keras.__version__)) from error


def written_by(path: Path) -> str | None:
    """The Keras version a `.keras` file says wrote it (its metadata.json), or None."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return str(json.loads(archive.read("metadata.json")).get("keras_version")) or None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _newer(version: str, than: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", text)[:3])

    return parts(version) > parts(than)


def _load_failure(path: Path, error: Exception, keras_version: str) -> str:
    text = str(error)
    writer = written_by(path) if path.suffix.lower() == ".keras" else None
    if writer and _newer(writer, keras_version):
        return (f"{path.name} was written by Keras {writer}, newer than the Keras {keras_version} Strata runs, and "
                f"this Keras cannot read it: {text.splitlines()[0] if text else type(error).__name__}. Save it "
                f"again with Keras {keras_version.rsplit('.', 1)[0]}, or update Strata's Keras")
    if "Lambda" in text and "safe_mode" in text:
        return (f"{path.name} holds a Lambda layer, whose Python code Keras will not run from a file for safety; "
                "replace the Lambda with a built-in layer (or a registered custom class) and save it again")
    located = re.search(r"Could not locate class '([^']+)'", text)
    if located:
        return (f"{path.name} uses the class '{located.group(1)}', which is not part of Keras: Strata can only "
                "open it where the code that defines that class is importable (register it with "
                "@keras.saving.register_keras_serializable)")
    if any(sign in text for sign in ("is not a zip file", "zip file.", "Unable to open file", "signature not found",
                                     "Unable to synchronously open file")):
        return f"{path.name} is not a Keras model file (it is damaged, cut short, or another kind of file)"
    if "version" in text.lower():
        return f"{path.name} was written by a Keras this version cannot read: {text.splitlines()[0]}"
    return f"{path.name} could not be opened as a Keras model: {text.splitlines()[0] if text else type(error).__name__}"


# ----- the graph ----------------------------------------------------------------------------------------------
def import_model(model: Any) -> ImportedModel:
    """Strata's graph of a built Keras model (functional, sequential or subclassed into one of them)."""
    config = _json(model.get_config())  # tuples as lists, as in a .keras file
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise KerasImportError(f"'{model.name}' is a subclassed Keras model whose layers are wired in Python code; "
                               "Strata can import functional and Sequential models")
    importer = _Importer()
    importer.model(config, model, {}, group="")
    spec = importer.spec
    spec.name = importer.identifier(model.name) if model.name else "imported"
    spec.outputs = [importer.tensor_id(entry) for entry in _outputs(config)]
    spec.groups = dict(importer.groups)  # kept in the project: the canvas shows each nested model as a group
    imported = ImportedModel(spec, importer.sources, importer.groups, [], importer.renamed)
    _check_against_keras(importer, imported)
    imported.kept_as_keras = [node_id for node_id, node in spec.nodes.items() if node.type == KERAS_LAYER]
    return imported


def _outputs(config: dict) -> list[list]:
    outputs = config.get("output_layers")
    if outputs is None:  # a Sequential model: its last layer
        return [[config["layers"][-1]["config"]["name"], 0, 0]]
    return [outputs] if outputs and isinstance(outputs[0], str) else list(outputs)


def _history_key(history: list) -> tuple[str, int]:
    """(layer name, output index) of a tensor. The node index is left out: a layer called more than once is
    refused, and a nested model's one call may carry index 1 (its own construction was call 0)."""
    name, _node_index, tensor_index = history
    return name, int(tensor_index)


class _Importer:
    def __init__(self) -> None:
        self.spec = ModelSpec()
        self.sources: dict[str, Any] = {}
        self.groups: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        self.tensor_ids: dict[tuple[str, int], str] = {}  # (Keras layer name, output index) -> node id
        self.shapes: dict[str, list] = {}  # node id -> its output shape as Keras recorded it (no batch axis)
        self.entries: dict[str, tuple[dict, dict, list[list]]] = {}  # node id -> (Keras entry, call, input shapes)
        self.call_ids: dict[tuple[str, int], str] = {}  # (shared layer's name, call index) -> the node of that call

    def identifier(self, name: str) -> str:
        """A node id from a Keras name: letters, digits and _, not a keyword, unique."""
        base = re.sub(r"\W", "_", name)[:MAX_ID - 6] or "layer"
        if base[0].isdigit():
            base = "_" + base
        if keyword.iskeyword(base):
            base += "_"
        candidate, number = base, 2
        while candidate in self.spec.nodes:
            candidate, number = f"{base}_{number}", number + 1
        if candidate != name:
            self.renamed[name] = candidate
        return candidate

    def model(self, config: dict, model: Any, inputs: dict[str, str], group: str) -> None:
        """A model's layers in order; `inputs` maps the InputLayer names of a nested model to outer node ids."""
        entries = config["layers"]
        if "output_layers" not in config:  # Sequential: each layer takes the previous one's output
            entries = _sequential_entries(config, model)
        for entry in entries:
            self.layer(entry, model, inputs, group)
        for history, tensor in zip(_outputs(config), _output_tensors(model), strict=False):
            node_id = self.tensor_id(history)
            if node_id is not None and tensor is not None:
                self.shapes.setdefault(node_id, list(tensor.shape[1:]))

    def layer(self, entry: dict, model: Any, inputs: dict[str, str], group: str) -> None:
        name, class_name = entry["config"].get("name", entry.get("name")), entry["class_name"]
        calls = entry.get("inbound_nodes", [])
        if class_name == "InputLayer":
            if name in inputs:  # the input of a nested model: the outer tensor it is called on
                self.tensor_ids[(name, 0)] = inputs[name]
                return
            self.add_input(entry, name, group)
            return
        if len(calls) > 1:
            self.shared_layer(entry, model, calls, group)
            return
        call = calls[0] if calls else {"args": [], "kwargs": {}}
        sources, template, input_shapes = self.call_inputs(call, name)
        live = _live_layer(model, name)
        if class_name in NESTED_CLASSES:
            self.nested(entry, live, sources, group)
            return
        node_id = self.identifier(name)
        node = _catalog_node(node_id, class_name, entry, sources, template, live) \
            or _keras_node(node_id, entry, sources, template, live, input_shapes)
        self.add(node, entry, template, input_shapes, live, group)
        self.tensor_ids[(name, 0)] = node_id

    def add(self, node: LayerNode, entry: dict, template: dict, input_shapes: list, live: Any, group: str) -> None:
        self.spec.nodes[node.id] = node
        self.entries[node.id] = (entry, template, input_shapes)
        if live is not None:
            self.sources[node.id] = live
        if group:
            self.groups[node.id] = group

    def shared_layer(self, entry: dict, model: Any, calls: list, group: str) -> None:
        """One layer called on several inputs (a siamese encoder): a node per call; the later ones share the
        first's layer and weights (`spec.shared`), as Keras does."""
        name, class_name = entry["config"].get("name", entry.get("name")), entry["class_name"]
        live = _live_layer(model, name)
        first = None
        for index, call in enumerate(calls):
            sources, template, input_shapes = self.call_inputs(call, name)
            node_id = self.identifier(name if index == 0 else f"{name}_call{index + 1}")
            node = None if class_name in NESTED_CLASSES else \
                _catalog_node(node_id, class_name, entry, sources, template, live)
            if node is None:
                raise KerasImportError(f"layer '{name}' ({class_name}) is used {len(calls)} times (its weights are "
                                       "shared); Strata can share its own layer types, not a "
                                       f"{'nested model' if class_name in NESTED_CLASSES else class_name} "
                                       "kept as Keras's configuration")
            self.add(node, entry, template, input_shapes, live if index == 0 else None, group)
            self.call_ids[(name, index)] = node_id
            if first is None:
                first = node_id
                self.tensor_ids[(name, 0)] = node_id
            else:
                self.spec.shared[node_id] = first

    def tensor_id(self, history: list) -> str | None:
        """The node giving a tensor Keras recorded as [layer name, call index, output index]."""
        name, call, _output = history
        return self.call_ids.get((name, int(call))) or self.tensor_ids.get(_history_key(history))

    def add_input(self, entry: dict, name: str, group: str) -> None:
        config = entry["config"]
        shape = list((config.get("batch_shape") or config.get("batch_input_shape") or [None])[1:])
        dtype = str(config.get("dtype", "float32"))
        dtype = dtype if dtype in ("float32", "int32") else "int32" if "int" in dtype else "float32"
        if not shape or any(d is not None and not isinstance(d, int) for d in shape):
            raise KerasImportError(f"input '{name}' has no usable shape ({shape})")
        node_id = self.identifier(name)
        self.spec.nodes[node_id] = LayerNode(node_id, "Input", {"shape": shape, "dtype": dtype})
        self.tensor_ids[(name, 0)] = node_id
        self.shapes[node_id] = shape
        if group:
            self.groups[node_id] = group

    def call_inputs(self, call: dict, name: str) -> tuple[list[str], dict, list[list]]:
        """The node ids a call takes (each once, in order), the call with `{"__input__": i}` in place of each
        tensor, and the shape of each input as Keras recorded it."""
        sources: list[str] = []
        shapes: list[list] = []

        def mark(value: Any) -> Any:
            if isinstance(value, dict) and value.get("class_name") == TENSOR:
                history = value["config"]["keras_history"]
                source = self.tensor_id(history)
                if source is None:
                    raise KerasImportError(f"layer '{name}' takes output {history[2]} of '{history[0]}', which "
                                           "Strata cannot represent (a layer with several outputs)")
                if source not in sources:
                    sources.append(source)
                    shapes.append(list(value["config"]["shape"][1:]))
                    self.shapes.setdefault(source, shapes[-1])
                return {INPUT_MARKER: sources.index(source)}
            if isinstance(value, list):
                return [mark(v) for v in value]
            if isinstance(value, dict):
                return {k: mark(v) for k, v in value.items()}
            return value

        template = {"args": mark(call.get("args", [])), "kwargs": mark(call.get("kwargs", {}))}
        return sources, template, shapes

    def nested(self, entry: dict, live: Any, sources: list[str], group: str) -> None:
        """A model used as a layer: its layers join the graph, its inputs wired to what the outer model gives."""
        config = entry["config"]
        name = config.get("name", entry.get("name"))
        inner_inputs = _input_names(config, live)
        if len(inner_inputs) != len(sources):
            raise KerasImportError(f"nested model '{name}' takes {len(inner_inputs)} input(s) but is called on "
                                   f"{len(sources)}")
        self.model(config, live, dict(zip(inner_inputs, sources, strict=True)), group or name)
        for index, history in enumerate(_outputs(config)):
            self.tensor_ids[(name, index)] = self.tensor_id(history)


def _output_tensors(model: Any) -> list[Any]:
    try:
        return list(model.outputs)
    except (AttributeError, ValueError):
        return []


def _sequential_entries(config: dict, model: Any) -> list[dict]:
    """A Sequential model's layers as functional entries: an input, then each layer on the previous output."""
    layers = [dict(entry) for entry in config["layers"]]
    if not layers or layers[0]["class_name"] != "InputLayer":
        shape = config.get("build_input_shape") or (model.inputs[0].shape if getattr(model, "inputs", None) else None)
        if shape is None:
            raise KerasImportError(f"Sequential model '{model.name}' has never been built, so its input shape is "
                                   "unknown; build it (call it on data or give it an Input) and save it again")
        layers.insert(0, {"class_name": "InputLayer", "config": {"name": f"{model.name}_input",
                                                                  "batch_shape": list(shape), "dtype": "float32"}})
    layers[0]["config"] = {**layers[0]["config"], "name": layers[0]["config"].get("name") or "input"}
    previous = None
    for entry in layers:
        entry.setdefault("name", entry["config"].get("name"))
        if previous is not None:
            entry["inbound_nodes"] = [{"args": [{"class_name": TENSOR, "config": {
                "shape": [None, *previous[1]], "keras_history": [previous[0], 0, 0]}}], "kwargs": {}}]
        previous = (entry["config"]["name"], _sequential_output_shape(model, entry))
    return layers


def _sequential_output_shape(model: Any, entry: dict) -> list:
    if entry["class_name"] == "InputLayer":
        return list(entry["config"]["batch_shape"][1:])
    live = _live_layer(model, entry["config"]["name"])
    return list(live.output.shape[1:]) if live is not None else []


def _input_names(config: dict, model: Any) -> list[str]:
    if "input_layers" in config:
        entries = config["input_layers"]
        entries = [entries] if entries and isinstance(entries[0], str) else entries
        return [entry[0] for entry in entries]
    first = config["layers"][0] if config["layers"] else {}
    if first.get("class_name") == "InputLayer":
        return [first["config"]["name"]]
    return [f"{model.name}_input"]


def _live_layer(model: Any, name: str) -> Any:
    try:
        return model.get_layer(name)
    except (ValueError, AttributeError):
        return None  # an operation (x + y): not a layer, no weights


def _json(value: Any) -> Any:
    """A configuration as plain JSON values (tuples as lists); KerasImportError for anything else."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        raise KerasImportError(f"a configuration value cannot be kept: {error}") from None


# ----- one layer ---------------------------------------------------------------------------------------------
def _catalog_node(node_id: str, class_name: str, entry: dict, sources: list[str], template: dict,
                  live: Any) -> LayerNode | None:
    """The layer as a catalog layer, or None where the catalog cannot say everything its configuration says."""
    kind = CATALOG.get(class_name)
    if kind is None or kind.module not in ("keras.layers", LAYER_SCALE_MODULE) or kind.is_input or live is None \
            or (entry.get("module") or "keras.layers") != kind.module or class_name == "Bidirectional":
        return None
    if not _plain_call(class_name, template, len(sources)):
        return None
    config = _json(entry["config"])
    params: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for param in kind.params:
        if param.name in config:
            value = config[param.name]
            if param.name.endswith("initializer"):
                value = _simple_initializer(value)
                if not isinstance(value, str):  # an initializer with arguments of its own: kept as Keras wrote it
                    extra[param.name] = value
                    continue
            if value is None and param.kind not in ("optional_int", "optional_tuple", "optional_floats"):
                return None
            if type_error(param, value) or range_error(param, value):
                return None
            params[param.name] = value
    more = _extra_arguments(type(live), config, kind, live)
    if more is None:
        return None
    extra.update(more)
    if extra:
        params[KERAS_ARGUMENTS] = extra
    return LayerNode(node_id, class_name, params, list(sources))


def _plain_call(class_name: str, template: dict, count: int) -> bool:
    """Called the way Strata's builder calls it: layer(x); layer([a, b, ...]) for merges and Attention;
    MultiHeadAttention(query, value[, key=key])."""
    args = template["args"]
    kwargs = {k: v for k, v in template["kwargs"].items() if v is not None}  # Keras records mask=None
    markers = [{INPUT_MARKER: i} for i in range(count)]
    if class_name == "MultiHeadAttention":
        return (count == 1 and args == markers * 2 and not kwargs) or (count == 2 and args == markers and not kwargs) \
            or (count == 3 and args == markers[:2] and kwargs == {"key": markers[2]})
    if CATALOG[class_name].is_merge or class_name == "Attention":
        return args == [markers] and not kwargs
    return count == 1 and args == markers and not kwargs


def _simple_initializer(value: Any) -> Any:
    """{'class_name': 'GlorotUniform', 'config': {'seed': None}} -> 'glorot_uniform'; anything else unchanged."""
    if isinstance(value, dict) and value.get("class_name") in INITIALIZER_NAMES \
            and all(v is None for v in value.get("config", {}).values()):
        return INITIALIZER_NAMES[value["class_name"]]
    return value


def _extra_arguments(cls: type, config: dict, kind, live: Any) -> dict[str, Any] | None:
    """The settings of `config` that the catalog has no field for and that differ from Keras's defaults, kept as
    `keras_arguments`; None when one of them could change a shape or a parameter count (the layer then keeps
    Keras's configuration instead)."""
    required = {p.name: config[p.name] for p in kind.params if p.required and p.name in config}
    every = {p.name: config[p.name] for p in kind.params if p.name in config}  # a class wanting more (LayerScale)
    defaults = None
    for arguments in (required, every):
        try:
            defaults = _json(cls(**arguments).get_config())
            break
        except Exception:  # noqa: BLE001, S112 (a class whose construction fails: try the next way, or keep it)
            continue
    if defaults is None:
        return None
    extra = {}
    for key, value in config.items():
        if key in IGNORED_KEYS or key in kind.param_index or defaults.get(key, object()) == value:
            continue
        if key == "axis" and _last_axis(value, live):
            continue
        if key == "data_format" and value == "channels_last":
            continue
        kept = kind.param_index.get(KERAS_ARGUMENTS)  # a type without it (SpatialDropout2D) keeps nothing
        if kept is None or key not in kept.choices:
            return None
        extra[key] = value
    return extra


def _last_axis(value: Any, live: Any) -> bool:
    """BatchNormalization(axis=3) on an image is Keras's default axis=-1 said another way."""
    axis = value[0] if isinstance(value, list) and len(value) == 1 else value
    try:
        rank = len(live.input.shape)
    except (AttributeError, ValueError):
        return False
    return isinstance(axis, int) and axis in (-1, rank - 1)


def _keras_node(node_id: str, entry: dict, sources: list[str], template: dict, live: Any,
                input_shapes: list[list]) -> LayerNode:
    """The layer kept as Keras's own configuration, with the shapes and parameter counts Keras measured."""
    if not sources:
        raise KerasImportError(f"layer '{node_id}' ({entry['class_name']}) takes no input; Strata cannot place it")
    config = {k: v for k, v in _json(entry["config"]).items() if k not in ("name", "dtype")}
    trainable = sum(int(_size(w)) for w in live.trainable_weights) if live is not None else 0
    non_trainable = sum(int(_size(w)) for w in live.non_trainable_weights) if live is not None else 0
    layer = {"class_name": entry["class_name"], "module": entry.get("module"),
             "registered_name": entry.get("registered_name"), "config": config, "call": template,
             "input_shapes": input_shapes, "output_shape": [], "params": [trainable, non_trainable]}
    return LayerNode(node_id, KERAS_LAYER, {"layer": layer}, list(sources))


def _size(weight: Any) -> int:
    size = 1
    for dimension in weight.shape:
        size *= int(dimension)
    return size


# ----- checked against Keras -----------------------------------------------------------------------------------
def _check_against_keras(importer: _Importer, imported: ImportedModel) -> None:
    """Every node's output shape and parameter count equal to Keras's: a catalog node that disagrees is kept as
    Keras's configuration instead; an imported layer gets the output shape Keras recorded."""
    spec = imported.spec
    for node_id, node in spec.nodes.items():
        if node.type == KERAS_LAYER:
            node.params["layer"]["output_shape"] = importer.shapes.get(node_id, [])
    for _attempt in range(len(spec.nodes)):  # each pass settles the first disagreeing layers of every path
        report = validate(spec)
        wrong = [node_id for node_id, node in spec.nodes.items()
                 if node.type not in (KERAS_LAYER, "Input") and not _agrees(report.nodes[node_id], importer, node_id)]
        for node_id in wrong:
            entry, template, input_shapes = importer.entries[node_id]
            log.info("import: %s (%s) kept as Keras's configuration", node_id, spec.nodes[node_id].type)
            node = _keras_node(node_id, entry, spec.nodes[node_id].inputs, template, imported.sources.get(node_id),
                               input_shapes)
            node.params["layer"]["output_shape"] = importer.shapes.get(node_id, [])
            spec.nodes[node_id] = node
        if not wrong:
            break
    problems = validate(spec).errors
    if problems:
        first = problems[0]
        raise KerasImportError(f"the imported graph does not check out at '{first.node}': {first.message}")


def _agrees(info, importer: _Importer, node_id: str) -> bool:
    """The node's shape and parameters equal Keras's (a node after a disagreeing one, left without a shape and
    without a problem of its own, waits for the next pass)."""
    if info.output_shape is None:
        return not info.problems
    live = importer.sources.get(node_id)
    shape = importer.shapes.get(node_id)
    if shape is not None and list(info.output_shape) != shape:
        return False
    return live is None or not live.built or info.params == live.count_params()


# ----- weights ---------------------------------------------------------------------------------------------
def transfer_weights(imported: ImportedModel, model: Any) -> None:
    """Copy each imported layer's weights into the layer of the same node in `model` (built from the spec)."""
    for node_id, source in imported.sources.items():
        weights = source.get_weights()
        if not weights:
            continue
        try:
            set_layer_weights(model.get_layer(node_id), weights)
        except ValueError as error:
            raise KerasImportError(f"the weights of '{node_id}' do not fit the layer Strata built: {error}") from None
