"""The headless commands behind `python main.py COMMAND` (no Qt, and no TensorFlow unless needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from models.building.codegen import generate_code
from models.building.summary import summary_rows, totals_text
from models.checks.shapes import fmt, keras_shape
from models.checks.validate import validate
from models.graph.project import Project, ProjectError


def _load(path: Path, err: TextIO) -> Project | None:
    try:
        return Project.load(path)
    except ProjectError as error:
        where = f" (layer '{error.node}')" if error.node else ""
        print(f"{path}: {error}{where}", file=err)
        return None


def summary(path: Path, as_json: bool = False, batch_size: int = 32, out: TextIO = sys.stdout,
            err: TextIO = sys.stderr) -> int:
    """Per-layer table and totals; `--json` for scripts."""
    project = _load(path, err)
    if project is None:
        return 2
    report = validate(project.spec)
    rows = [(row.node, project.spec.nodes[row.node].type, report.nodes[row.node])
            for row in summary_rows(project.spec, report)]  # Keras's order, as the window's Summary
    if as_json:
        json.dump({
            "name": project.name,
            "layers": [{"name": nid, "type": kind, "output_shape": None if r.output_shape is None
                        else [None, *r.output_shape], "params": r.params} for nid, kind, r in rows],
            "total_params": report.total_params,
            "trainable_params": report.trainable_params,
            "non_trainable_params": report.non_trainable_params,
            "macs": report.total_macs,
            "activation_memory_bytes": report.activation_memory(batch_size),
            "batch_size": batch_size,
            "problems": [p.message for p in report.problems],
        }, out, indent=2)
        out.write("\n")
        return 0
    table = [("Layer", "Type", "Output shape", "Params")]
    table += [(nid, kind, keras_shape(r.output_shape), f"{r.params:,}") for nid, kind, r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print(f'Model "{project.name}" ({project.spec.name})', file=out)
    for index, row in enumerate(table):
        print("  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))), file=out)
        if index == 0:
            print("-" * (sum(widths) + 6), file=out)
    print(totals_text(report, batch_size), file=out)
    for problem in report.problems:
        print(f"{problem.severity}: {problem.message}", file=out)
    return 0


def validate_command(path: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Problems, one per line; exit status 1 if there is an error (warnings alone pass)."""
    project = _load(path, err)
    if project is None:
        return 2
    report = validate(project.spec)
    for problem in report.problems:
        fix = f"  [fix: {' | '.join(f.label for f in problem.fixes)}]" if problem.fixes else ""
        print(f"{problem.severity}: {problem.message}{fix}", file=out)
    if report.valid:
        outputs = ", ".join(fmt(report.nodes[o].output_shape) for o in project.spec.output_ids())
        print(f"OK: {len(project.spec)} layers, {report.total_params:,} parameters, output {outputs}", file=out)
        return 0
    return 1


def export_code(path: Path, output: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    project = _load(path, err)
    if project is None:
        return 2
    report = validate(project.spec)
    if not report.valid:
        print(f"{path}: the model has problems, fix them first:", file=err)
        for problem in report.errors:
            print(f"  {problem.message}", file=err)
        return 1
    output.write_text(generate_code(project.spec, report, project.training, project.dataset), encoding="utf-8")
    print(f"wrote {output}", file=out)
    return 0
