"""`python main.py import MODEL -o PROJECT.strata.json`: a Keras model file (or keras.applications.NAME) becomes a
Strata project, its weights written beside it as the project's imported run (as the window's File ▸ Open or
New from a Known Network does, then Save)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from models.formatting import bytes_text

APPLICATION_PREFIX = "keras.applications."


def import_command(source: str, output: Path, weights: str = "imagenet", size: int | None = None,
                   classes: int = 1000, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`source` is a Keras model file or keras.applications.NAME (then `weights`, `size` and `classes` apply)."""
    from models.building.import_project import IMPORT_RUN_ID, import_keras_file, project_from_application
    from models.graph.project import KerasImportError, ProjectError
    from models.training.run_models import write_run_models

    try:
        if source.startswith(APPLICATION_PREFIX):
            imported = project_from_application(source.removeprefix(APPLICATION_PREFIX),
                                                None if weights == "none" else weights, size, classes)
        else:
            imported = import_keras_file(Path(source))
    except KerasImportError as error:
        print(f"{source}: {error}", file=err)
        return 1
    project = imported.project
    try:
        written = write_run_models(output, project.runs, {IMPORT_RUN_ID: imported.model})
        imported.record["model_file"] = written[IMPORT_RUN_ID]
        project.save(output)
    except (OSError, ProjectError) as error:
        print(f"{output}: could not be written: {error}", file=err)
        return 1
    weights = output.parent / written[IMPORT_RUN_ID]
    print(imported.summary(), file=out)
    print(f"wrote {output} and its weights {weights} ({bytes_text(weights.stat().st_size)})", file=out)
    return 0
