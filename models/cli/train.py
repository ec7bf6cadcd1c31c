"""`python main.py train PROJECT`: the same Trainer as the window, with progress on the terminal and
results written to a folder: every step's own values (`steps.csv`, written as the run goes, so a run cut
short keeps its steps), the per-epoch history (CSV and JSON), the trained `.keras` model, a summary JSON.

`--strategy mirrored` trains with `tf.distribute.MirroredStrategy` over every visible GPU (or the CPU's
logical devices); `multiworker` uses `MultiWorkerMirroredStrategy`, configured by `TF_CONFIG` (see
docs/distributed.md). Exit status: 0 on success, 1 on any failure (a NaN or diverged loss included), 2 for a
bad project file or setting.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from models.building.export import save_keras
from models.graph.project import Project, ProjectError
from models.training.config import ConfigError, TrainingConfig
from models.training.records import json_safe
from models.training.trainer import Reporter, TrainingResult


class StepWriter:
    """`steps.csv`: one row per training step with that batch's own loss, learning rate and metrics. The
    columns are fixed by the first step; each row is flushed, so the file is complete to the last step even
    when the run is stopped or killed."""

    FIRST = ("step", "epoch", "batch", "loss", "learning_rate")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: TextIO | None = None
        self.metrics: list[str] = []

    def write(self, step: int, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if self.stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.stream = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
            self.writer = csv.writer(self.stream)
            self.metrics = sorted(k for k in logs if k not in self.FIRST)
            self.writer.writerow([*self.FIRST, *self.metrics])
        self.writer.writerow([step, epoch + 1, batch + 1, _number(logs.get("loss")), _number(logs.get("learning_rate")),
                              *(_number(logs.get(k)) for k in self.metrics)])
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


class TerminalReporter(Reporter):
    """One line per epoch, and a progress line at most every `interval` seconds within an epoch (the loss of
    that step's batch, not a running mean); every step's values go to `steps` when given."""

    def __init__(self, out: TextIO, interval: float = 2.0, steps: StepWriter | None = None) -> None:
        self.out, self.interval, self.steps = out, interval, steps
        self.steps_per_epoch, self.epochs, self.last = 1, 1, 0.0

    def on_train_begin(self, info: dict[str, Any]) -> None:
        self.steps_per_epoch, self.epochs = info["steps_per_epoch"], info["epochs"]
        print(f"device: {info['device']} · {info['parameters']:,} parameters · {info['samples']:,} samples",
              file=self.out, flush=True)

    def on_batch(self, step: int, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if self.steps is not None:
            self.steps.write(step, epoch, batch, logs)
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            print(f"  epoch {epoch + 1}/{self.epochs} step {batch + 1}/{self.steps_per_epoch} "
                  f"batch loss {logs.get('loss', float('nan')):.4g}", file=self.out, flush=True)

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        metrics = " ".join(f"{k} {v:.4g}" for k, v in logs.items() if k != "learning_rate")
        print(f"epoch {epoch + 1}/{self.epochs}: {metrics}", file=self.out, flush=True)

    def on_message(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def make_strategy(name: str):
    """None, or a tf.distribute strategy over this machine's devices (or a TF_CONFIG cluster)."""
    if name == "none":
        return None
    import tensorflow as tf

    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ConfigError(f"unknown strategy '{name}'; choose none, mirrored or multiworker")


def split_cpu(count: int) -> None:
    """Make the CPU appear as `count` logical devices (before TensorFlow initialises it): lets
    MirroredStrategy run for real on a machine without GPUs, as the tests do."""
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * count)


def write_outputs(out_dir: Path, result: TrainingResult, config: TrainingConfig, project: Project) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    epochs = max((len(v) for v in result.history.values()), default=0)
    with open(out_dir / "history.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        keys = sorted(result.history)
        writer.writerow(["epoch", *keys])
        for epoch in range(epochs):
            writer.writerow([epoch + 1, *(result.history[k][epoch] if epoch < len(result.history[k]) else ""
                                          for k in keys)])
    (out_dir / "history.json").write_text(json.dumps(json_safe(result.history), indent=2, allow_nan=False),
                                          encoding="utf-8")
    if result.health.steps:  # every layer's health every N steps, as the window's canvas shows it
        (out_dir / "health.json").write_text(json.dumps(result.health.to_dict(), indent=1, allow_nan=False),
                                             encoding="utf-8")
    model_path = ""
    if result.model is not None and result.ok:
        model_path = str(save_keras(result.model, out_dir / "model.keras"))
    summary = {"project": project.name, "status": result.stopped, "error": result.error,
               "stopped_at": result.stopped_at,
               "epochs_done": result.epochs_done, "steps": result.steps, "duration_s": round(result.duration, 2),
               "device": result.device, "final": result.final, "evaluation": result.evaluation,
               "config": config.to_dict(), "model_file": model_path}
    (out_dir / "summary.json").write_text(json.dumps(json_safe(summary), indent=2, allow_nan=False), encoding="utf-8")
    return summary


OVERRIDES = ("epochs", "batch_size", "device", "learning_rate", "optimizer", "seed", "steps_per_epoch")


def load_project_and_settings(path: Path, err: TextIO) -> tuple[Project, TrainingConfig] | None:
    """The project and its training settings, or None after printing why they cannot be used (exit status 2)."""
    try:
        project = Project.load(path)
        return project, TrainingConfig.from_dict(project.training)
    except (ProjectError, ConfigError, TypeError) as error:
        print(f"{path}: {error}", file=err)
        return None


def train_command(path: Path, overrides: dict[str, Any] | None = None, strategy: str = "none",
                  out_dir: Path | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`overrides`: training settings given on the command line (None: keep the project's), checked like the
    project file's own."""
    loaded = load_project_and_settings(path, err)
    if loaded is None:
        return 2
    project, config = loaded
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        config = TrainingConfig.from_dict({**config.to_dict(), **given})
    except ConfigError as error:
        print(f"strata train: {error}", file=err)
        return 2
    out_dir = out_dir or Path(path).with_suffix("").with_suffix("").parent / f"{Path(path).name.split('.')[0]}-runs" \
        / time.strftime("%Y%m%d-%H%M%S")
    from datasets.base import DatasetError
    from datasets.registry import load_dataset
    from models.training.trainer import Trainer

    print(f"loading data: {project.dataset.get('source')}", file=out, flush=True)
    try:
        dataset = load_dataset(project.dataset)
        distribution = make_strategy(strategy)
    except (DatasetError, ConfigError, ValueError, RuntimeError) as error:
        print(f"strata train: {error}", file=err)
        return 1
    steps = StepWriter(out_dir / "steps.csv")
    try:
        result = Trainer(project.spec, dataset, config, TerminalReporter(out, steps=steps), strategy=distribution).run()
    finally:
        steps.close()
    summary = write_outputs(out_dir, result, config, project)
    if not result.ok:
        print(f"strata train: {result.error}", file=err)
        print(f"wrote {out_dir}/steps.csv, history.csv, history.json, summary.json (status {result.stopped})",
              file=out)
        return 1
    final = " ".join(f"{k} {v:.4g}" for k, v in summary["final"].items() if k != "learning_rate")
    print(f"done in {result.duration:.1f} s ({result.stopped}): {final}", file=out)
    print(f"wrote {out_dir}/steps.csv, history.csv, history.json, summary.json, model.keras", file=out)
    return 0
