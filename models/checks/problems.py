"""Problems found in a model, and the one-click fixes that repair them (applied to a ModelSpec)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from models.graph.spec import ModelSpec


@dataclass(frozen=True)
class Fix:
    """A repair the editor can apply with one click. Actions:

    set_param {param, value}; insert_before {type, params}; insert_between {source, type, params};
    adapt_to_data {info: DatasetInfo} (the Input shape and output layer made to fit the data); copy_params {source}
    (a shared layer's second call takes the settings of the layer it calls again).
    """

    label: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)

    def apply(self, spec: ModelSpec, node_id: str) -> str | None:
        """Change `spec` in place; returns the id of a layer the fix added, if any."""
        if self.action == "set_param":
            spec.set_params(node_id, **{self.args["param"]: self.args["value"]})
            return None
        if self.action == "insert_before":
            return spec.insert_before(node_id, self.args["type"], dict(self.args.get("params", {})))
        if self.action == "adapt_to_data":
            from models.checks.data_fit import adapt_model

            adapt_model(spec, self.args["info"])
            return None
        if self.action == "copy_params":
            source = spec.node(self.args["source"])
            spec.nodes[node_id].type = source.type
            spec.nodes[node_id].params = copy.deepcopy(source.params)
            return None
        if self.action == "insert_between":
            return spec.insert_between(self.args["source"], node_id, self.args["type"],
                                       dict(self.args.get("params", {})))
        raise ValueError(f"unknown fix action {self.action!r}")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one node, said plainly. Errors stop the build; warnings do not."""

    node: str
    message: str
    field: str | None = None
    fix: Fix | None = None  # the one-click repair
    severity: str = "error"  # "error" | "warning"
    alternatives: tuple[Fix, ...] = ()  # other repairs that also apply, offered beside `fix`

    def __str__(self) -> str:
        return self.message

    @property
    def fixes(self) -> tuple[Fix, ...]:
        """Every repair that applies, the one-click one first."""
        return ((self.fix,) if self.fix else ()) + tuple(self.alternatives)


class BuildError(ValueError):
    """The spec has problems; `problems` lists them (validation's plain messages)."""

    def __init__(self, report) -> None:  # a ValidationReport (validate.py imports this module)
        self.problems = report.errors
        lines = [p.message for p in report.errors] or ["the model is incomplete"]
        super().__init__("The model cannot be built:\n" + "\n".join(f"- {line}" for line in lines))


class ShapeProblem(Exception):  # noqa: N818 (a finding, not a failure)
    """Raised by a shape rule; validation turns it into a Problem for the node."""

    def __init__(self, message: str, field: str | None = None, fix: Fix | None = None,
                 alternatives: tuple[Fix, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.fix = fix
        self.alternatives = tuple(alternatives)
