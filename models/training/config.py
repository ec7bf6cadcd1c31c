"""Training settings as data: what the Training panel edits, the project file stores and `train` reads.

Field names follow Keras (`learning_rate`, `batch_size`, `epochs`, the optimizer and loss identifiers), so a
setting means what its Keras documentation says.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from datasets.options import quote
from models.graph.catalog import Param

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
OPTIMIZER_CLASSES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}
SCHEDULES = ("constant", "cosine", "step")
DEVICES = ("auto", "cpu", "gpu")
STRATEGIES = ("none", "mirrored", "multiworker")
LOSSES = ("auto", "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
          "mean_squared_error", "mean_absolute_error", "huber")


class ConfigError(ValueError):
    """A training setting that cannot be used, named with its field."""


@dataclass
class TrainingConfig:
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "constant"
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.004  # AdamW only
    batch_size: int = 32
    epochs: int = 5
    loss: str = "auto"  # auto: from the dataset's task
    metrics: list[str] = field(default_factory=lambda: ["accuracy"])
    shuffle: bool = True
    seed: int = 0
    early_stopping: bool = False
    patience: int = 3
    device: str = "auto"
    mixed_precision: bool = False  # mixed_float16, GPU only
    xla: bool = True  # Keras's "auto": XLA where the model allows it (what a plain model.fit does)
    steps_per_epoch: int = 0  # 0: the whole training set each epoch
    divergence_factor: float = 100.0  # stop when a batch loss exceeds this times the first one; 0: never
    health_every: int = 20  # measure every layer's health every this many steps; 0: never

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def optimizer_arguments(self) -> tuple[str, dict[str, float]]:
        """The Keras optimizer class and its arguments besides the learning rate: what the Trainer builds and
        what exported code writes."""
        extra = {"sgd": {"momentum": float(self.momentum)}, "adamw": {"weight_decay": float(self.weight_decay)}}
        return OPTIMIZER_CLASSES.get(self.optimizer, "Adam"), extra.get(self.optimizer, {})

    @classmethod
    def or_defaults(cls, data: dict[str, Any] | None) -> TrainingConfig:
        """`from_dict`, or the defaults where the settings are not valid (for views that only show a value; the
        Training panel and the Trainer report the reason)."""
        try:
            return cls.from_dict(data)
        except (ConfigError, TypeError):
            return cls()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TrainingConfig:
        """From a project's `training` section. Unknown keys and wrong types are errors that name the field;
        a whole number where Keras wants a float (`momentum: 0`) becomes that float, and a float with no
        fraction where a count is wanted (`epochs: 5.0`) becomes that count."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown training setting '{unknown[0]}'; the settings are: {', '.join(sorted(known))}")
        config = cls(**{name: coerce(name, value) for name, value in data.items()})
        config.validate()
        return config

    def validate(self) -> None:
        for name, value in self.to_dict().items():
            setattr(self, name, coerce(name, value))
        checks = [
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}"),
            (self.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}"),
            (0 < self.learning_rate <= 10, "learning_rate must be a number above 0 and at most 10 (typically 1e-4 "
             "to 1e-1)"),
            (0 <= self.momentum < 1, "momentum must be at least 0 and below 1 (0.9 is usual)"),
            (0 <= self.weight_decay <= 1, "weight_decay must be between 0 and 1"),
            (self.batch_size >= 1, "batch_size must be a whole number >= 1"),
            (self.epochs >= 1, "epochs must be a whole number >= 1"),
            (self.patience >= 1, "patience must be a whole number >= 1"),
            (0 <= self.seed < 2**32, "seed must be a whole number from 0 to 4294967295"),
            (all(isinstance(m, str) for m in self.metrics), "metrics must be a list of metric names"),
            (self.steps_per_epoch >= 0, "steps_per_epoch must be a whole number >= 0 (0: the whole training set)"),
            (self.divergence_factor == 0 or self.divergence_factor >= 1,
             "divergence_factor must be 0 (off) or at least 1 (100 is the default)"),
            (self.health_every >= 0, "health_every must be a whole number >= 0 (0: off)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)


_KINDS = {f.name: f.type for f in fields(TrainingConfig)}


def coerce(name: str, value: Any) -> Any:
    """`value` as the type the setting `name` holds, or a ConfigError naming the field."""
    kind = _KINDS.get(name)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{name} must be a number, got {quote(value)}")
        return float(value)
    if kind == "int":
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name} must be a whole number, got {quote(value)}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {quote(value)}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a name, got {quote(value)}")
        return value
    if name == "metrics" and not isinstance(value, list):
        raise ConfigError(f"metrics must be a list of metric names, got {quote(value)}")
    return value



def learning_rate_at(config: TrainingConfig, base_rate: float, step: int, total_steps: int) -> float:
    """The schedule's rate at `step`: constant; cosine decay to 0 over the run; or halved every quarter."""
    if config.schedule == "cosine" and total_steps > 0:
        return base_rate * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    if config.schedule == "step" and total_steps > 0:
        return base_rate * 0.5 ** min(3, int(4 * step / total_steps))
    return base_rate


# The Training panel's form, generated like the inspector's: one catalog-style Param per setting.
FORM: tuple[Param, ...] = (
    Param("optimizer", "choice", "adam", "How weights are updated from gradients", choices=OPTIMIZERS),
    Param("learning_rate", "float", 1e-3, "Step size of each update; lower it if the loss explodes",
          min=1e-7, max=10.0),
    Param("schedule", "choice", "constant", "How the learning rate changes over the run", choices=SCHEDULES),
    Param("batch_size", "int", 32, "Samples per training step", min=1, max=65536),
    Param("epochs", "int", 5, "Passes over the training data", min=1, max=100000),
    Param("loss", "choice", "auto", "auto: chosen from the dataset's task", choices=LOSSES),
    Param("early_stopping", "bool", False, "Stop when the validation loss stops improving"),
    Param("patience", "int", 3, "Epochs without improvement before early stopping", min=1, max=1000),
    Param("momentum", "float", 0.9, "SGD only: how much of the last update carries over", min=0.0, max=0.999),
    Param("seed", "int", 0, "Makes weight initialisation and shuffling repeatable", min=0),
    Param("device", "choice", "auto", "auto: the GPU when there is one", choices=DEVICES),
    Param("mixed_precision", "bool", False, "GPU only: compute in float16 where safe (faster on modern GPUs)"),
    Param("divergence_factor", "float", 100.0, "Stop when a batch's loss exceeds this many times the first "
          "batch's loss (0: never)", min=0.0, max=1e12),
    Param("xla", "bool", True, "Compile with XLA where possible (Keras's default; slower start, faster steps)"),
    Param("health_every", "int", 20, "Measure each layer's gradients, updates and activations every this many "
          "steps, shown on the canvas (0: off)", min=0, max=100000),
)
