"""The project file: a model, its dataset choice, training settings, run history and canvas layout.

JSON, documented in docs/project-format.md so a person can write one by hand. Reading is strict --
an unknown layer type or parameter, a value of the wrong type, a dangling input or a cycle is an error
that names the layer and field -- because a silently "repaired" file loses work. Saving is atomic.
"""

from __future__ import annotations

import json
import keyword
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets.file_checks import file_problem
from datasets.options import quote
from models.atomic_write import clean_stale_temp_files, real_target, write_text_atomically
from models.graph.catalog import CATALOG
from models.graph.params import type_error
from models.graph.spec import GraphError, LayerNode, LocatedError, ModelSpec
from models.training.records import run_problem

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FILE_SUFFIX = ".strata.json"
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")  # Keras model files Strata opens (by importing them)
MAX_FILE_BYTES = 256 * 2**20  # a project with hundreds of runs is a few MB
MAX_DEPTH = 32  # nesting of objects and arrays; Strata's own files reach 7
MAX_NAME_CHARS = 200
MAX_ID_CHARS = 100
MAX_DESCRIPTION_CHARS = 20_000
MAX_COORDINATE = 1e7  # canvas positions, in scene pixels

# Migrations: MIGRATIONS[n] turns a format-n document into format n+1. Add one per format change.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

_TOP_KEYS = {"format_version", "name", "description", "model", "dataset", "training", "runs", "layout"}
_LAYER_KEYS = {"id", "type", "params", "inputs"}
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCALAR_LIST = re.compile(r"\[[^\[\]{}\"]*\]")


def _compact_list(match: re.Match) -> str:
    return json.dumps(json.loads(match.group()))


class KerasImportError(ValueError):
    """A Keras model file that cannot come in, said plainly (which layer, which class, what to do)."""


class ProjectError(LocatedError):
    """A project file that cannot be read; the message names the layer and field when there is one."""


@dataclass
class Project:
    spec: ModelSpec = field(default_factory=ModelSpec)
    name: str = "Untitled"
    description: str = ""
    dataset: dict[str, Any] = field(default_factory=lambda: {"source": "shapes", "options": {}})
    training: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    layout: dict[str, list[float]] = field(default_factory=dict)

    # ----- writing -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "model": model_to_dict(self.spec),
            "dataset": self.dataset,
            "training": self.training,
            "runs": self.runs,
            "layout": {k: v for k, v in self.layout.items() if k in self.spec.nodes},
        }

    def to_json(self) -> str:
        """Indented JSON with one line per layer and short lists kept on one line: easy to read and diff."""
        data = self.to_dict()
        where = non_finite_path(data)
        if where:  # JSON has no NaN or Infinity: Python would write them, and other readers reject the file
            raise ProjectError(f"The project cannot be saved: {where} is not a finite number (NaN or infinity)")
        layers = data["model"]["layers"]
        data["model"]["layers"] = "@LAYERS@"
        text = json.dumps(data, indent=2, allow_nan=False)
        text = _SCALAR_LIST.sub(_compact_list, text)
        rows = ",\n".join("      " + json.dumps(layer, allow_nan=False) for layer in layers)
        text = text.replace('"@LAYERS@"', "[\n" + rows + "\n    ]" if layers else "[]")
        return text + "\n"

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash mid-save leaves the old file, never half a file. The file keeps its
        permissions, a symbolic link keeps pointing at it, and temporary files of earlier, interrupted saves
        are removed. ProjectError when a value cannot be written as JSON; OSError when the disk refuses."""
        text = self.to_json()
        write_text_atomically(path, text)
        clean_stale_temp_files(real_target(path).parent)

    # ----- reading -----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> Project:
        """The project a parsed JSON document describes; ProjectError for anything malformed in it."""
        try:
            return cls._from_dict(data)
        except ProjectError:
            raise
        except Exception as error:  # a case the checks below do not foresee: still the reader's own error
            log.exception("unexpected content in a project file")
            raise ProjectError(f"The file could not be read: {quote(str(error) or type(error).__name__)}") from None

    @classmethod
    def _from_dict(cls, data: Any) -> Project:
        if not isinstance(data, dict):
            raise ProjectError("A project file must hold a JSON object at the top level")
        data = migrate(data)
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise ProjectError(f"Unknown section '{quote(sorted(unknown)[0])}'; the sections are: "
                               f"{', '.join(sorted(_TOP_KEYS))}", field=sorted(unknown)[0])
        if "model" not in data:
            raise ProjectError("The project has no 'model' section", field="model")
        deep = _too_deep(data)
        if deep:
            raise ProjectError(f"'{deep}' is nested more than {MAX_DEPTH} levels deep; a Strata project never is",
                               field=deep.split(".")[0])
        project = cls(spec=model_from_dict(data["model"]))
        project.name = _text(data, "name", "Untitled", MAX_NAME_CHARS)
        project.description = _text(data, "description", "", MAX_DESCRIPTION_CHARS)
        project.dataset = _typed(data, "dataset", dict, project.dataset)
        project.training = _typed(data, "training", dict, {})
        project.runs = _typed(data, "runs", list, [])
        for index, record in enumerate(project.runs):
            problem = run_problem(record)
            if problem:
                raise ProjectError(f"Run {index + 1} in 'runs' {problem}", field="runs")
        layout = _typed(data, "layout", dict, {})
        for node_id, position in layout.items():
            if not (isinstance(position, list) and len(position) == 2
                    and all(_is_number(v) and abs(v) <= MAX_COORDINATE for v in position)):
                raise ProjectError(f"layout of '{quote(node_id)}' must be [x, y], numbers within "
                                   f"±{MAX_COORDINATE:,.0f}, got {quote(position)}", node=node_id, field="layout")
        project.layout = {k: [float(x), float(y)] for k, (x, y) in layout.items()}
        return project

    @classmethod
    def from_json(cls, text: str) -> Project:
        return cls.from_dict(parse_json(text))

    @classmethod
    def load(cls, path: str | Path) -> Project:
        path = Path(path)
        problem = file_problem(path, "project", MAX_FILE_BYTES)
        if problem:
            raise ProjectError(problem[0].upper() + problem[1:])
        clean_stale_temp_files(real_target(path).parent)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProjectError(f"There is no file {path}") from None
        except UnicodeDecodeError:
            raise ProjectError(f"{path.name} is not a text file, so not a Strata project") from None
        except OSError as error:
            raise ProjectError(f"{path} could not be read: {error.strerror}") from None
        return cls.from_json(text)


def parse_json(text: str) -> Any:
    """The JSON document in `text`; NaN and Infinity (which older saves wrote for a diverged run's loss) read as
    null. ProjectError for text that is not JSON or that the parser cannot hold."""
    try:
        return json.loads(text, parse_constant=lambda _name: None)
    except json.JSONDecodeError as error:
        raise ProjectError(f"The file is not valid JSON: {error.msg} at line {error.lineno}, "
                           f"column {error.colno}") from None
    except RecursionError:
        raise ProjectError(f"The file nests objects or arrays more than {MAX_DEPTH} levels deep; "
                           "a Strata project never does") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise ProjectError(f"The file holds a value Strata cannot read: {quote(str(error))}") from None


def _is_number(value: Any) -> bool:
    """A finite JSON number (an integer of any size counts; the caller bounds it)."""
    return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and math.isfinite(value)


def _too_deep(data: Any) -> str:
    """The path of a value nested deeper than MAX_DEPTH ('' if none), found without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path.lstrip(".")
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{quote(str(k), 20)}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return ""


def non_finite_path(data: Any, path: str = "") -> str:
    """Where in `data` a NaN or infinite float sits ('runs[2].final.loss'), or ''."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where.lstrip(".") or "a value"
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}") for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
    return ""


def migrate(data: dict) -> dict:
    """Bring an older document up to FORMAT_VERSION, one step at a time."""
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError("The file has no whole-number 'format_version', so it is not a Strata project "
                           "(add \"format_version\": 1)", field="format_version")
    if version > FORMAT_VERSION:
        raise ProjectError(f"The file is format {version}, made by a newer Strata; this one reads up to "
                           f"{FORMAT_VERSION}. Update Strata to open it.", field="format_version")
    while version < FORMAT_VERSION:
        if version not in MIGRATIONS:
            raise ProjectError(f"Format {version} files can no longer be read", field="format_version")
        data = MIGRATIONS[version](dict(data))
        version += 1
        data["format_version"] = version
    return data


def _typed(data: dict, key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if not isinstance(value, kind):
        raise ProjectError(f"'{key}' must be a JSON {kind.__name__.replace('dict', 'object').replace('list', 'array')}"
                           f", got {type(value).__name__}", field=key)
    return value


def _text(data: dict, key: str, default: str, limit: int) -> str:
    value = _typed(data, key, str, default)
    if len(value) > limit:
        raise ProjectError(f"'{key}' is {len(value):,} characters long; it may have at most {limit:,}", field=key)
    return value


# ----- the model section ---------------------------------------------------------------------------
def model_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """Only parameters that differ from Keras's defaults (and required ones) are written; `inputs` is
    left out where a layer is fed by the one listed just before it, as a person would write a stack."""
    layers = []
    previous: str | None = None
    for node in spec.nodes.values():
        kind = CATALOG[node.type]
        entry: dict[str, Any] = {"id": node.id, "type": node.type}
        params = {name: value for name, value in node.effective_params().items()
                  if kind.param(name).required or not kind.param(name).is_default(value)}
        if params:
            entry["params"] = params
        if kind.ports and len(node.inputs) > 1:
            entry["inputs"] = dict(zip(kind.ports, node.inputs, strict=False))
        elif node.inputs != ([previous] if previous else []) or (not node.inputs and not kind.is_input):
            entry["inputs"] = list(node.inputs)
        layers.append(entry)
        previous = node.id
    model: dict[str, Any] = {"name": spec.name, "layers": layers}
    if spec.outputs is not None:
        model["outputs"] = list(spec.outputs)
    groups: dict[str, list[str]] = {}
    for node_id in spec.nodes:
        if spec.groups.get(node_id):
            groups.setdefault(spec.groups[node_id], []).append(node_id)
    if groups:
        model["groups"] = groups
    if spec.shared:
        model["shared"] = {call: target for call, target in spec.shared.items() if call in spec.nodes}
    return model


def model_from_dict(data: Any) -> ModelSpec:
    if not isinstance(data, dict):
        raise ProjectError("'model' must be a JSON object with a 'layers' list", field="model")
    layers = data.get("layers")
    if not isinstance(layers, list):
        raise ProjectError("'model' needs a 'layers' list", field="model.layers")
    spec = ModelSpec(name=data.get("name", "model") if isinstance(data.get("name"), str) else "model")
    previous: str | None = None
    for index, entry in enumerate(layers):
        node = _layer_from_dict(entry, index, previous, spec)
        spec.nodes[node.id] = node
        previous = node.id
    for node in spec.nodes.values():
        for source in node.inputs:
            if source not in spec.nodes:
                raise ProjectError(f"Layer '{node.id}' is fed by '{quote(source)}', which does not exist", node=node.id,
                                   field="inputs")
    outputs = data.get("outputs")
    if outputs is not None:
        if not (isinstance(outputs, list) and all(isinstance(o, str) for o in outputs)):
            raise ProjectError("'outputs' must be a list of layer ids", field="model.outputs")
        for output in outputs:
            if output not in spec.nodes:
                raise ProjectError(f"Output '{quote(output)}' is not a layer of the model", node=output,
                                   field="outputs")
        spec.outputs = list(outputs)
    spec.groups = _groups_from_dict(data.get("groups", {}), spec)
    spec.shared = _shared_from_dict(data.get("shared", {}), spec)
    try:
        spec.topological_order()
    except GraphError as error:
        raise ProjectError(str(error), node=error.node, field="inputs") from None
    return spec


def _groups_from_dict(groups: Any, spec: ModelSpec) -> dict[str, str]:
    """`{"group name": [layer ids]}` (the nested models of an imported file) -> layer id -> group name."""
    if not isinstance(groups, dict) or not all(isinstance(m, list) for m in groups.values()):
        raise ProjectError("'groups' must map each group's name to a list of layer ids", field="model.groups")
    member_of: dict[str, str] = {}
    for name, members in groups.items():
        for member in members:
            if not isinstance(member, str) or member not in spec.nodes:
                raise ProjectError(f"Group '{quote(name)}' lists '{quote(str(member))}', which is not a layer of the "
                                   "model", field="model.groups")
            member_of[member] = name
    return member_of


def _shared_from_dict(shared: Any, spec: ModelSpec) -> dict[str, str]:
    """`{"layer id": "id of the layer whose weights it uses"}`: one Keras layer called on several inputs."""
    if not isinstance(shared, dict) or not all(isinstance(v, str) for v in shared.values()):
        raise ProjectError("'shared' must map a layer id to the id of the layer whose weights it uses",
                           field="model.shared")
    for call, target in shared.items():
        for name in (call, target):
            if name not in spec.nodes:
                raise ProjectError(f"'shared' names '{quote(name)}', which is not a layer of the model",
                                   field="model.shared")
        if target in shared or call == target:
            raise ProjectError(f"'{quote(call)}' shares the weights of '{quote(target)}', which itself shares "
                               "another layer's: name the first layer", field="model.shared")
    return dict(shared)


def _layer_from_dict(entry: Any, index: int, previous: str | None, spec: ModelSpec) -> LayerNode:
    where = f"Layer {index + 1}"
    if not isinstance(entry, dict):
        raise ProjectError(f"{where} must be a JSON object with 'id' and 'type'")
    node_id = entry.get("id")
    if (not isinstance(node_id, str) or not _ID.fullmatch(node_id) or keyword.iskeyword(node_id)
            or len(node_id) > MAX_ID_CHARS):
        raise ProjectError(f"{where} needs an 'id' of up to {MAX_ID_CHARS} letters, digits and _ (not starting with "
                           f"a digit), got {quote(node_id)}", field="id")
    where = f"Layer '{node_id}'"
    if node_id in spec.nodes:
        raise ProjectError(f"{where} appears twice: layer ids must be unique", node=node_id, field="id")
    unknown = set(entry) - _LAYER_KEYS
    if unknown:
        raise ProjectError(f"{where} has an unknown field '{quote(sorted(unknown)[0])}'; a layer has id, type, "
                           "params and inputs", node=node_id, field=sorted(unknown)[0])
    type_name = entry.get("type")
    if not isinstance(type_name, str) or type_name not in CATALOG:
        close = [t for t in CATALOG if isinstance(type_name, str) and t.lower() == type_name.lower()]
        hint = f" Did you mean '{close[0]}'?" if close else " Types are Keras class names, e.g. Conv2D or Dense."
        raise ProjectError(f"{where} has unknown type {quote(repr(type_name))}.{hint}", node=node_id, field="type")
    kind = CATALOG[type_name]
    params = entry.get("params", {})
    if not isinstance(params, dict):
        raise ProjectError(f"{where}: 'params' must be a JSON object", node=node_id, field="params")
    for name, value in params.items():
        if name not in kind.param_index:
            raise ProjectError(f"{where} ({type_name}) has no parameter '{quote(name)}'; it has: "
                               f"{', '.join(kind.param_index) or 'none'}", node=node_id, field=name)
        problem = type_error(kind.param(name), value)
        if problem:
            raise ProjectError(f"{where}: {problem}", node=node_id, field=name)
    inputs = _inputs_from_dict(entry, kind, previous, where, node_id)
    return LayerNode(node_id, type_name, dict(params), inputs)


def _inputs_from_dict(entry: dict, kind, previous: str | None, where: str, node_id: str) -> list[str]:
    if "inputs" not in entry:
        return [] if kind.is_input or previous is None else [previous]
    raw = entry["inputs"]
    if isinstance(raw, dict):
        if not kind.ports:
            named = ", ".join(t for t, k in CATALOG.items() if k.ports)
            raise ProjectError(f"{where}: named inputs are only for {named}; use a list", node=node_id,
                               field="inputs")
        unknown = set(raw) - set(kind.ports)
        if unknown:
            raise ProjectError(f"{where}: unknown input '{quote(sorted(unknown)[0])}'; the inputs are "
                               f"{', '.join(kind.ports)}", node=node_id, field="inputs")
        inputs = []
        for port in kind.ports:
            if port in raw:
                if len(inputs) != kind.ports.index(port):
                    raise ProjectError(f"{where}: '{port}' needs '{kind.ports[len(inputs)]}' as well",
                                       node=node_id, field="inputs")
                inputs.append(raw[port])
        raw = inputs
    if not (isinstance(raw, list) and all(isinstance(i, str) for i in raw)):
        raise ProjectError(f"{where}: 'inputs' must be a list of layer ids", node=node_id, field="inputs")
    if kind.is_input and raw:
        raise ProjectError(f"{where}: an Input layer has no inputs", node=node_id, field="inputs")
    return list(raw)
