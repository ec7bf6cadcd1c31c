"""Shape inference and problems for a whole ModelSpec, fast enough to run on every edit.

Validation never raises: a broken graph gives a report whose problems say, per node, what is wrong and
how to fix it. Layers after a broken one get no shape (and no extra message), so the first real cause
stands out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache

from models.checks.problems import Fix, Problem, ShapeProblem
from models.checks.shapes import LayerShape, Shape, fmt, infer
from models.graph.catalog import CATALOG, LayerType
from models.graph.params import range_error, type_error
from models.graph.spec import GraphError, LayerNode, ModelSpec

RANK_NAMES = {1: "a vector (features)", 2: "a sequence (timesteps, features)",
              3: "an image (height, width, channels)"}


@dataclass
class NodeReport:
    node: str
    type: str
    output_shape: Shape | None = None
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def activation_size(self) -> int:
        """Values in one sample's output (0 when unknown)."""
        if self.output_shape is None or None in self.output_shape:
            return 0
        return math.prod(self.output_shape)

    @property
    def ok(self) -> bool:
        return self.output_shape is not None and not any(p.severity == "error" for p in self.problems)


@dataclass
class ValidationReport:
    nodes: dict[str, NodeReport]
    model_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.model_problems + [p for report in self.nodes.values() for p in report.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def valid(self) -> bool:
        return not self.errors and all(r.output_shape is not None for r in self.nodes.values())

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.nodes.values())

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable for r in self.nodes.values())

    @property
    def non_trainable_params(self) -> int:
        return sum(r.non_trainable for r in self.nodes.values())

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.nodes.values())

    def activation_memory(self, batch_size: int, bytes_per_value: int = 4) -> int:
        """Bytes held by every layer's output for one batch (float32 by default): the forward pass."""
        return batch_size * bytes_per_value * sum(r.activation_size for r in self.nodes.values())


def _params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


@lru_cache(maxsize=8192)
def _infer_cached(type_name: str, params_json: str, shapes: tuple[Shape, ...],
                  sources: tuple[str, ...]) -> LayerShape | ShapeProblem:
    """Memoised shape rule: unchanged layers with unchanged inputs cost a dict lookup on each edit."""
    try:
        return infer(type_name, json.loads(params_json), list(shapes), list(sources))
    except ShapeProblem as problem:
        return problem
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as error:
        return ShapeProblem(f"has parameters its shape cannot be worked out from ({error})")


def _rank_problem(kind: LayerType, shape: Shape) -> ShapeProblem | None:
    if kind.input_ranks is None or len(shape) in kind.input_ranks:
        return None
    wanted = " or ".join(RANK_NAMES.get(r, f"rank {r}") for r in kind.input_ranks)
    got = RANK_NAMES.get(len(shape), f"rank {len(shape)}").split(" (")[0]
    message = f"needs {wanted}, got {got} {fmt(shape)}"
    fix = None
    if 2 in kind.input_ranks and len(shape) == 3 and None not in shape:
        target = [shape[0], shape[1] * shape[2]]
        fix = Fix(f"Insert Reshape to {target} (rows as time steps)", "insert_before",
                  {"type": "Reshape", "params": {"target_shape": target}})
    elif 2 in kind.input_ranks and len(shape) == 1 and shape[0] is not None:
        target = [shape[0], 1]
        fix = Fix(f"Insert Reshape to {target}", "insert_before",
                  {"type": "Reshape", "params": {"target_shape": target}})
    elif 3 in kind.input_ranks and len(shape) == 1 and shape[0] and math.isqrt(shape[0]) ** 2 == shape[0]:
        side = math.isqrt(shape[0])
        fix = Fix(f"Insert Reshape to {[side, side, 1]}", "insert_before",
                  {"type": "Reshape", "params": {"target_shape": [side, side, 1]}})
    elif 1 in kind.input_ranks and len(shape) > 1:
        fix = Fix("Insert Flatten", "insert_before", {"type": "Flatten"})
    if fix:
        message += f": {fix.label[0].lower()}{fix.label[1:]}"
    return ShapeProblem(message, fix=fix)


class Validator:
    """Validates specs. Shape results are memoised process-wide (`_infer_cached`), so every validator
    shares them and an edit recomputes only the layers whose parameters or input shapes changed."""

    def validate(self, spec: ModelSpec) -> ValidationReport:
        reports = {nid: NodeReport(nid, node.type) for nid, node in spec.nodes.items()}
        report = ValidationReport(reports)
        try:
            order = spec.topological_order()
        except GraphError as error:
            report.model_problems.append(Problem(error.node or "", str(error), field="inputs"))
            return report
        if not spec.input_ids():
            report.model_problems.append(Problem("", "The model has no Input layer: add one at the top and "
                                                 "set its shape to one sample's shape.",
                                                 fix=None))
        elif not spec.output_ids():
            report.model_problems.append(Problem("", "The model has no layers after its Input: add a layer."))
        for nid in order:
            self._validate_node(spec.nodes[nid], reports, _shared_layer(spec, nid))
        _pointwise_classifiers(spec, reports)
        return report

    def _validate_node(self, node: LayerNode, reports: dict[str, NodeReport], shares: LayerNode | None) -> None:
        """`shares`: the layer this node calls again (its weights), when it is a shared layer's second call."""
        report = reports[node.id]
        kind = CATALOG.get(node.type)
        where = f"{node.type} '{node.id}'"

        def problem(message: str, field: str | None = None, fix: Fix | None = None,
                    severity: str = "error", alternatives: tuple[Fix, ...] = ()) -> None:
            report.problems.append(Problem(node.id, f"{where}: {message}", field, fix, severity, alternatives))

        if kind is None:
            problem(f"'{node.type}' is not a layer type Strata knows")
            return
        for name in node.params:
            if name not in kind.param_index:
                problem(f"has no parameter '{name}'", field=name)
        params = node.effective_params()
        for param in kind.params:
            message = type_error(param, params[param.name]) or range_error(param, params[param.name])
            if message:
                problem(message, field=param.name)
        missing = [i for i in node.inputs if i not in reports]
        if missing:
            problem(f"is fed by '{missing[0]}', which does not exist", field="inputs")
        if len(node.inputs) < kind.min_inputs:
            if kind.min_inputs == 1:
                problem("has no input: connect a layer's output to it", field="inputs")
            else:
                problem(f"needs at least {kind.min_inputs} inputs, got {len(node.inputs)}: connect another "
                        "layer's output to it", field="inputs")
        elif len(node.inputs) > kind.max_inputs:
            problem(f"takes at most {kind.max_inputs} input(s), got {len(node.inputs)}", field="inputs")
        if shares is not None and (shares.type != node.type or shares.effective_params() != params):
            problem(f"calls the layer '{shares.id}' again (one layer, shared weights), so it must have the same "
                    f"settings; they differ", fix=Fix(f"Use {shares.id}'s settings", "copy_params",
                                                      {"source": shares.id}))
        if report.problems:
            return
        upstream = [reports[i] for i in node.inputs]
        if any(r.output_shape is None for r in upstream):
            return  # an earlier layer is broken; its own message says why
        shapes = tuple(r.output_shape for r in upstream)
        for shape in shapes:
            rank_problem = _rank_problem(kind, shape)
            if rank_problem:
                problem(rank_problem.message, fix=rank_problem.fix)
                return
        result = _infer_cached(node.type, _params_key(params), shapes, tuple(node.inputs))
        if isinstance(result, ShapeProblem):
            problem(result.message, field=result.field, fix=result.fix, alternatives=result.alternatives)
            return
        if any(d is not None and d < 1 for d in result.output):
            problem(f"would output the empty shape {fmt(result.output)}: its input {fmt(shapes[0])} is too "
                    "small for it")
            return
        report.output_shape = result.output
        report.trainable, report.non_trainable, report.macs = result.trainable, result.non_trainable, result.macs
        if not params.get("trainable", True):  # frozen: every weight is kept as it is
            report.trainable, report.non_trainable = 0, result.trainable + result.non_trainable
        if shares is not None:  # its weights are the other layer's: counted there, once, as Keras counts them
            report.trainable = report.non_trainable = 0


def _shared_layer(spec: ModelSpec, node_id: str) -> LayerNode | None:
    target = spec.shared.get(node_id)
    return spec.nodes.get(target) if target is not None else None


def _pointwise_classifiers(spec: ModelSpec, reports: dict[str, NodeReport]) -> None:
    """A Dense on a feature map acts on each position's channels (ConvNeXt's pointwise layers do so on purpose);
    as the model's output it is most likely a classifier missing its Flatten or pooling."""
    for node_id in spec.output_ids():
        node = spec.nodes[node_id]
        inputs = [reports[i].output_shape for i in node.inputs if i in reports]
        if node.type != "Dense" or not inputs or inputs[0] is None or len(inputs[0]) != 3 or not reports[node_id].ok:
            continue
        reports[node_id].problems.append(Problem(
            node_id, f"Dense '{node_id}': gets a {fmt(inputs[0])} feature map and acts on its last axis only, so "
            "the model outputs a map, not one answer per sample; for a classifier insert Flatten or "
            "GlobalAveragePooling2D before it", None, Fix("Insert Flatten", "insert_before", {"type": "Flatten"}),
            "warning"))


_default_validator = Validator()


def validate(spec: ModelSpec) -> ValidationReport:
    """Validate with the process-wide cached validator."""
    return _default_validator.validate(spec)
