"""`python main.py check PROJECT [--json]`: the pre-flight checks (models/checks/preflight.py) on the project's
model, data and settings, one line each. Exit status: 0 when none failed, 1 when one did, 2 for a project that
cannot be read or a model that is not valid."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from models.training.records import json_safe


def check_command(path: Path, as_json: bool = False, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from datasets.base import DatasetError
    from datasets.registry import load_dataset
    from models.checks.preflight import FAIL, run_checks
    from models.checks.validate import validate
    from models.cli.train import load_project_and_settings

    loaded = load_project_and_settings(path, err)
    if loaded is None:
        return 2
    project, config = loaded
    report = validate(project.spec)
    if not report.valid:
        print(f"{path}: the model is not valid: {report.errors[0].message}", file=err)
        return 2
    try:
        dataset = load_dataset(project.dataset)
    except (DatasetError, ValueError) as error:
        print(f"strata check: {error}", file=err)
        return 1
    from models.training.trainer import DataMisfit, refuse_misfit

    try:
        refuse_misfit(project.spec, dataset)
    except DataMisfit as error:
        print(f"FAIL  {error}", file=out)
        return 1
    results = run_checks(project.spec, dataset, config)
    if as_json:
        print(json.dumps(json_safe([r.to_dict() for r in results]), indent=2, allow_nan=False), file=out)
    else:
        for result in results:
            print(f"{result.status.upper():<5} {result.line}", file=out)
            if result.fix:
                print(f"      Fix: {result.fix}", file=out)
    return 1 if any(result.status == FAIL for result in results) else 0
