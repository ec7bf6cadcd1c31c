"""Sweeps: which training settings and layer parameters to vary, and over which values, as data.

A sweep file (JSON, what the window's Sweep dialog saves and `python main.py sweep` reads):

    {"search": "random", "trials": 12, "objective": "val_loss", "seed": 0,
     "parameters": [
        {"target": "learning_rate", "min": 0.0001, "max": 0.1, "scale": "log"},
        {"target": "batch_size", "values": [16, 32, 64]},
        {"target": "dense_1.units", "values": [16, 32, 64, 128]},
        {"target": "dropout.rate", "min": 0.0, "max": 0.5, "step": 0.1}]}

A target is a training setting (a TrainingConfig field) or `<layer id>.<parameter>` with Keras's argument
name. `search` is grid, random or bayesian (KerasTuner's oracles: models/training/tuner.py runs them).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

from datasets.options import quote
from models.graph.spec import ModelSpec
from models.training.config import FORM, ConfigError, TrainingConfig
from models.training.run_table import lower_is_better

SEARCHES = ("grid", "random", "bayesian")
SCALES = ("linear", "log")
MAX_TRIALS = 10_000
_TRAINING = {param.name: param for param in FORM if param.name not in ("seed", "device", "xla", "mixed_precision")}
_SWEEPABLE_KINDS = ("int", "float", "choice", "bool")


class SweepError(ValueError):
    """A sweep that cannot run, said plainly (which parameter, what is wrong)."""


@dataclasses.dataclass(frozen=True)
class SweepParameter:
    """One swept target: a list of `values`, or a range `min`..`max` (`scale` log or linear, optional `step`)."""

    target: str
    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    scale: str = "linear"
    step: float | None = None

    @property
    def layer(self) -> str | None:
        return self.target.rsplit(".", 1)[0] if "." in self.target else None

    @property
    def argument(self) -> str:
        return self.target.rsplit(".", 1)[-1]

    def grid(self, integer: bool) -> list[Any]:
        """The values a grid search tries: the list, or the range walked by its step."""
        if self.values:
            return list(self.values)
        if self.step is None:
            raise SweepError(f"{self.target}: a grid search needs a list of values or a step for the range")
        count = int(math.floor((self.max - self.min) / self.step + 1e-9)) + 1
        values = [self.min + i * self.step for i in range(count)]
        return [int(round(v)) for v in values] if integer else [round(v, 12) for v in values]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"target": self.target}
        if self.values:
            data["values"] = list(self.values)
        else:
            data.update({"min": self.min, "max": self.max, "scale": self.scale})
            if self.step is not None:
                data["step"] = self.step
        return data


@dataclasses.dataclass(frozen=True)
class Sweep:
    parameters: tuple[SweepParameter, ...]
    search: str = "random"
    trials: int = 10
    objective: str = "val_loss"
    seed: int = 0

    @property
    def direction(self) -> str:
        return "min" if lower_is_better(self.objective) else "max"

    def to_dict(self) -> dict[str, Any]:
        return {"search": self.search, "trials": self.trials, "objective": self.objective, "seed": self.seed,
                "parameters": [p.to_dict() for p in self.parameters]}

    @classmethod
    def from_dict(cls, data: Any) -> Sweep:
        """Read a sweep file's content; a SweepError names what is wrong."""
        if not isinstance(data, dict):
            raise SweepError(f"a sweep must be a JSON object, got {quote(data)}")
        unknown = set(data) - {"search", "trials", "objective", "seed", "parameters"}
        if unknown:
            raise SweepError(f"unknown sweep field(s): {', '.join(sorted(unknown))}")
        search = data.get("search", "random")
        if search not in SEARCHES:
            raise SweepError(f"search must be one of {', '.join(SEARCHES)}, got {quote(search)}")
        trials = data.get("trials", 10)
        if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
            raise SweepError(f"trials must be a whole number from 1 to {MAX_TRIALS}, got {quote(trials)}")
        objective = data.get("objective", "val_loss")
        if not isinstance(objective, str) or not objective:
            raise SweepError(f"objective must be a metric name such as val_loss, got {quote(objective)}")
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise SweepError(f"seed must be a whole number from 0, got {quote(seed)}")
        parameters = data.get("parameters")
        if not isinstance(parameters, list) or not parameters:
            raise SweepError("parameters must be a non-empty list of {\"target\": ..., \"values\" or \"min\"/\"max\"}")
        read = tuple(_parameter(item, index) for index, item in enumerate(parameters, 1))
        targets = [p.target for p in read]
        if len(set(targets)) != len(targets):
            raise SweepError(f"a target is swept twice: {sorted(t for t in targets if targets.count(t) > 1)[0]}")
        return cls(read, search, trials, objective, seed)


def _parameter(item: Any, index: int) -> SweepParameter:
    where = f"parameter {index}"
    if not isinstance(item, dict) or not isinstance(item.get("target"), str) or not item["target"]:
        raise SweepError(f"{where} must be an object with a \"target\" (a setting, or layer.parameter)")
    where = item["target"]
    unknown = set(item) - {"target", "values", "min", "max", "scale", "step"}
    if unknown:
        raise SweepError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if "values" in item:
        values = item["values"]
        if not isinstance(values, list) or not values or any(isinstance(v, dict | list) for v in values):
            raise SweepError(f"{where}: values must be a non-empty list of numbers, names or true/false")
        if len({quote(v) for v in values}) != len(values):
            raise SweepError(f"{where}: a value is listed twice")
        return SweepParameter(where, tuple(values))
    low, high, scale, step = item.get("min"), item.get("max"), item.get("scale", "linear"), item.get("step")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)):
        raise SweepError(f"{where}: give either values or a range with numbers min and max")
    if low >= high:
        raise SweepError(f"{where}: min ({low}) must be below max ({high})")
    if scale not in SCALES:
        raise SweepError(f"{where}: scale must be linear or log, got {quote(scale)}")
    if scale == "log" and low <= 0:
        raise SweepError(f"{where}: a log scale needs min above 0")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int | float) or not 0 < step <= high - low):
        raise SweepError(f"{where}: step must be a number above 0 and at most max - min")
    return SweepParameter(where, (), float(low), float(high), scale, None if step is None else float(step))


def load_sweep(path) -> Sweep:
    """A sweep file read and checked; SweepError when it cannot be read or is not a sweep."""
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SweepError(f"cannot read the sweep file: {error}") from error
    return Sweep.from_dict(data)


# ----- the sweep against a project -----------------------------------------------------------------------------
def parameter_kind(spec: ModelSpec, parameter: SweepParameter) -> str:
    """int, float, choice or bool: what the target holds (for KerasTuner's Int, Float, Choice, Boolean)."""
    from models.graph.catalog import layer_type

    if parameter.layer is None:
        param = _TRAINING.get(parameter.target)
        if param is None:
            raise SweepError(f"{parameter.target}: not a training setting that can be swept (choose one of "
                             f"{', '.join(sorted(_TRAINING))}, or layer.parameter)")
    else:
        if parameter.layer not in spec.nodes:
            raise SweepError(f"{parameter.target}: the model has no layer '{parameter.layer}'")
        kind = layer_type(spec.nodes[parameter.layer].type)
        if parameter.argument not in kind.param_index:
            raise SweepError(f"{parameter.target}: {kind.name} has no parameter '{parameter.argument}'")
        param = kind.param(parameter.argument)
    if param.kind not in _SWEEPABLE_KINDS and not parameter.values:
        raise SweepError(f"{parameter.target} is not a number: list its values instead of a range")
    if param.kind in ("choice", "bool") and not parameter.values:
        choices = ", ".join(map(str, param.choices or (True, False)))
        raise SweepError(f"{parameter.target}: list the values to try ({choices})")
    return param.kind if param.kind in _SWEEPABLE_KINDS else "choice"


def apply_values(spec: ModelSpec, config: TrainingConfig, values: dict[str, Any]) -> tuple[ModelSpec, TrainingConfig]:
    """The model and settings of one trial: a copy of each with the trial's values put in."""
    spec = spec.copy()
    settings = config.to_dict()
    for target, value in values.items():
        if "." in target:
            layer, argument = target.rsplit(".", 1)
            spec.set_params(layer, **{argument: value})
        else:
            settings[target] = value
    try:
        return spec, TrainingConfig.from_dict(settings)
    except ConfigError as error:
        raise SweepError(str(error)) from error


def check_sweep(sweep: Sweep, spec: ModelSpec, config: TrainingConfig) -> dict[str, str]:
    """Target -> kind, after checking every target exists and that each listed value (and each end of a range)
    gives a valid model and valid settings. Raises SweepError with the first problem, in plain words."""
    from models.checks.validate import validate

    kinds = {}
    for parameter in sweep.parameters:
        kind = kinds[parameter.target] = parameter_kind(spec, parameter)
        tried = parameter.values or (_cast(parameter.min, kind), _cast(parameter.max, kind))
        for value in tried:
            trial_spec, _ = apply_values(spec, config, {parameter.target: value})
            if parameter.layer is not None:
                report = validate(trial_spec)
                problem = next((p for p in report.errors if p.node == parameter.layer), None)
                if problem is not None:
                    raise SweepError(f"{parameter.target} = {quote(value)}: {problem.message}")
    if sweep.search == "grid":
        size = grid_size(sweep, kinds)
        if size > MAX_TRIALS:
            raise SweepError(f"the grid has {size:,} combinations; list fewer values or use random search")
    return kinds


def grid_size(sweep: Sweep, kinds: dict[str, str]) -> int:
    return math.prod(len(p.grid(kinds[p.target] == "int")) for p in sweep.parameters)


def grid_values(sweep: Sweep, kinds: dict[str, str]) -> list[dict[str, Any]]:
    """Every combination a grid search tries, in order (for the dialog's count and for tests)."""
    axes = [p.grid(kinds[p.target] == "int") for p in sweep.parameters]
    return [dict(zip((p.target for p in sweep.parameters), combo, strict=True)) for combo in itertools.product(*axes)]


def _cast(value: float, kind: str) -> Any:
    return int(round(value)) if kind == "int" else value


# ----- one parameter as the dialog shows it ----------------------------------------------------------------------
def parameter_from_text(target: str, text: str) -> SweepParameter:
    """What a person types in the Sweep dialog: "0.001, 0.01, 0.1" (values), "1e-4 .. 0.1 log" (a range on a
    log scale), "0 .. 0.5 step 0.1" (a range walked by a step), names such as "adam, sgd"."""
    text = text.strip()
    if ".." in text:
        low_text, _, rest = text.partition("..")
        words = rest.split()
        try:
            low, high = float(low_text), float(words[0])
            data: dict[str, Any] = {"target": target, "min": low, "max": high}
            extra = words[1:]
            while extra:
                word = extra.pop(0)
                if word in SCALES:
                    data["scale"] = word
                elif word == "step" and extra:
                    data["step"] = float(extra.pop(0))
                else:
                    raise ValueError(word)
        except (ValueError, IndexError):
            raise SweepError(f"{target}: write a range as 'min .. max', then 'log' or 'step S' if wanted") from None
        return _parameter(data, 1)
    values = [_value(part.strip()) for part in text.split(",") if part.strip()]
    if not values:
        raise SweepError(f"{target}: give values separated by commas, or a range 'min .. max'")
    return _parameter({"target": target, "values": values}, 1)


def parameter_text(parameter: SweepParameter) -> str:
    """The dialog's text for a parameter (parameter_from_text reads it back)."""
    if parameter.values:
        return ", ".join(_value_text(v) for v in parameter.values)
    text = f"{parameter.min:g} .. {parameter.max:g}"
    if parameter.scale == "log":
        text += " log"
    if parameter.step is not None:
        text += f" step {parameter.step:g}"
    return text


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in lowered else number


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweepable_targets(spec: ModelSpec) -> list[str]:
    """What the dialog offers to sweep: the training settings, then each layer's numeric and choice parameters."""
    from models.graph.catalog import KERAS_LAYER, layer_type

    targets = sorted(_TRAINING)
    for node in spec.nodes.values():
        if node.type == KERAS_LAYER:
            continue
        kind = layer_type(node.type)
        if kind.is_input:
            continue
        targets += [f"{node.id}.{p.name}" for p in kind.params if p.kind in _SWEEPABLE_KINDS and p.name != "trainable"]
    return targets
