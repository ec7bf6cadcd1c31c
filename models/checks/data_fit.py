"""Does the dataset fit the model? Input shape against the model's Input, number of classes against the
output layer, and the loss to use; plus the one edit that adapts the model to the data.

`fit_problems` turns the check into Problems on the Input or output layer, each with the Adapt fix, so a
misfit shows where every other problem does: on the card, in the Summary and in Check Model."""

from __future__ import annotations

from dataclasses import dataclass, field

from datasets.base import DatasetInfo
from models.checks.problems import Fix, Problem
from models.checks.shapes import fmt
from models.checks.validate import ValidationReport, validate
from models.graph.spec import ModelSpec


@dataclass
class FitReport:
    problems: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)  # the layer each problem is about
    loss: str = ""
    can_adapt: bool = False

    @property
    def fits(self) -> bool:
        return not self.problems


def _wanted_output(info: DatasetInfo) -> tuple[int, str]:
    """(units, activation) the output layer should have for this data."""
    if info.task == "regression":
        return 1, "linear"
    if info.task == "multilabel":  # several labels per sample: one independent probability each
        return info.num_classes, "sigmoid"
    return info.num_classes, "softmax"


def check_fit(spec: ModelSpec, info: DatasetInfo, report: ValidationReport | None = None) -> FitReport:
    result = FitReport(loss=info.suggested_loss())
    inputs, outputs = spec.input_ids(), spec.output_ids()
    if len(inputs) != 1 or len(outputs) != 1:
        result.problems.append(f"the model has {len(inputs)} inputs and {len(outputs)} outputs; a dataset feeds "
                               "a model with one of each")
        result.nodes.append("")
        return result
    model_input = spec.node(inputs[0])
    shape = tuple(model_input.effective_params().get("shape") or ())
    if shape != tuple(info.input_shape):
        result.problems.append(f"the model's Input '{model_input.id}' takes {fmt(shape)}, but {info.name} gives "
                               f"samples of {fmt(tuple(info.input_shape))}")
        result.nodes.append(model_input.id)
    dtype = model_input.effective_params().get("dtype", "float32")
    if info.input_dtype.startswith("int") and not str(dtype).startswith("int"):
        result.problems.append(f"{info.name} holds token ids (integers) but the Input's dtype is {dtype}")
        result.nodes.append(model_input.id)
    report = report or validate(spec)
    out_shape = report.nodes[outputs[0]].output_shape
    units, activation = _wanted_output(info)
    output = spec.node(outputs[0])
    out_activation = output.effective_params().get("activation")
    one_probability = (info.task == "classification" and info.num_classes == 2 and out_shape == (1,)
                       and out_activation == "sigmoid")  # a binary classifier's P(class 1): also fits
    if one_probability:
        pass
    elif out_shape is not None and (len(out_shape) != 1 or out_shape[-1] != units):
        what = "one value per sample" if info.task == "regression" else f"{units} classes"
        result.problems.append(f"the last layer '{output.id}' outputs {fmt(out_shape)}, but {info.name} needs "
                               f"{what}: {units} unit(s)")
        result.nodes.append(output.id)
    elif info.task != "regression" and out_activation not in (activation, None):
        need = ("one independent probability per label (several labels per sample)" if activation == "sigmoid"
                else "class probabilities")
        result.problems.append(f"the last layer '{output.id}' uses activation '{out_activation}'; {need} need "
                               f"'{activation}'")
        result.nodes.append(output.id)
    result.can_adapt = bool(result.problems) and len(shape) > 0
    return result


def adapt_model(spec: ModelSpec, info: DatasetInfo) -> None:
    """Change `spec` in place to take this data: Input shape (and dtype), output Dense units and activation
    (a Dense output layer is appended when the model does not end in one)."""
    model_input = spec.node(spec.input_ids()[0])
    params = dict(model_input.params)
    params["shape"] = list(info.input_shape)
    if info.input_dtype.startswith("int"):
        params["dtype"] = "int32"
    model_input.params = params
    units, activation = _wanted_output(info)
    last = spec.node(spec.output_ids()[0])
    if last.type == "Dense":
        spec.set_params(last.id, units=units, activation=activation)
    else:
        spec.insert_after(last.id, "Dense", {"units": units, "activation": activation})


ADAPT_HINT = " Use Fix to adapt the model."


def fit_problems(spec: ModelSpec, info: DatasetInfo, report: ValidationReport | None = None) -> list[Problem]:
    """The misfits as Problems on the layer they are about (the Input or the output layer), each with the
    one-click Adapt fix when the model can be adapted."""
    fit = check_fit(spec, info, report)
    fix = Fix(f"Adapt the model to {info.name}", "adapt_to_data", {"info": info}) if fit.can_adapt else None
    problems = []
    for node, message in zip(fit.nodes, fit.problems, strict=True):
        text = f"The data does not fit: {message}."
        if fix is not None:
            text += ADAPT_HINT
        problems.append(Problem(node, text, field="data", fix=fix))
    return problems
