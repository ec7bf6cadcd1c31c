"""Training runs as records kept in the project, and what changed between two of them."""

from __future__ import annotations

import time
from typing import Any

from datasets.options import quote
from models.graph.project import model_to_dict
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig
from models.training.records import json_safe
from models.training.trainer import TrainingResult, model_fingerprint


def run_record(number: int, spec: ModelSpec, dataset_choice: dict[str, Any], config: TrainingConfig,
               result: TrainingResult, model_file: str = "", params: int | None = None) -> dict[str, Any]:
    """A JSON-safe record: settings, architecture (and its fingerprint and parameter count), metric history,
    outcome. A NaN or infinite value (a diverged run's loss) is recorded as null."""
    if params is None:
        from models.checks.validate import validate

        report = validate(spec)
        params = report.total_params if report.valid else None
    return json_safe({
        "id": f"run-{number}",
        "params": params,
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - result.duration)),
        "duration_s": round(result.duration, 2),
        "device": result.device,
        "status": result.stopped,
        "message": result.error,
        "steps": result.steps,
        "epochs_done": result.epochs_done,
        "config": config.to_dict(),
        "dataset": dataset_choice,
        "model_fingerprint": model_fingerprint(spec),
        "model": model_to_dict(spec),
        "history": {k: [round(v, 6) for v in values] for k, values in result.history.items()},
        "final": {k: round(v, 6) for k, v in result.final.items()},
        "evaluation": result.evaluation,
        "model_file": model_file,
        **({"health": result.health.to_dict()} if result.health.steps else {}),
    })


def _layers(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["id"]: layer for layer in record.get("model", {}).get("layers", [])}


def _changed(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """'key: old → new' for every key whose value differs (a missing key reads as None)."""
    return [f"{prefix}{key}: {quote(old.get(key))} → {quote(new.get(key))}"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def diff_runs(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Plain lines saying what differs from run `a` to run `b`: settings, dataset, then architecture."""
    lines = _changed("", a.get("config", {}), b.get("config", {}))
    if a.get("dataset") != b.get("dataset"):
        lines.append(f"dataset: {a.get('dataset')} → {b.get('dataset')}")
    if a.get("model_fingerprint") == b.get("model_fingerprint"):
        return lines
    layers_a, layers_b = _layers(a), _layers(b)
    for layer_id in layers_a.keys() - layers_b.keys():
        lines.append(f"removed layer {layer_id} ({layers_a[layer_id]['type']})")
    for layer_id in layers_b.keys() - layers_a.keys():
        lines.append(f"added layer {layer_id} ({layers_b[layer_id]['type']})")
    for layer_id in layers_a.keys() & layers_b.keys():
        old, new = layers_a[layer_id], layers_b[layer_id]
        lines += _changed(f"{layer_id}.", old.get("params", {}), new.get("params", {}))
        if old.get("inputs") != new.get("inputs"):
            lines.append(f"{layer_id} inputs: {old.get('inputs')} → {new.get('inputs')}")
    return lines or ["the architecture differs"]


def differing_settings(records: list[dict[str, Any]]) -> dict[str, str]:
    """Run id -> the settings in which it differs from the other runs shown with it ("learning_rate 0.01,
    batch_size 64"; "another model" where the architecture differs): what a legend names beside the run."""
    keys = sorted({key for record in records for key in record.get("config", {})})
    varying = [key for key in keys if len({json_key(r.get("config", {}).get(key)) for r in records}) > 1]
    models = {r.get("model_fingerprint") for r in records}
    labels = {}
    for record in records:
        parts = [f"{key} {quote(record.get('config', {}).get(key))}" for key in varying]
        if len(models) > 1:
            parts.append(f"model {str(record.get('model_fingerprint', ''))[:6]}")
        labels[record.get("id", "")] = ", ".join(parts)
    return labels


def json_key(value: Any) -> str:
    """A setting's value as a comparable key (lists and dicts included)."""
    import json

    return json.dumps(value, sort_keys=True, default=str)
