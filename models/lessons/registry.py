"""The lessons, and how one runs headless: its evidence as JSON, the project it trained and its model."""

from __future__ import annotations

import json
import time
from pathlib import Path

from models.lessons.attention_lesson import ATTENTION_LESSON
from models.lessons.edges_lesson import EDGES
from models.lessons.evidence import Evidence, Lesson, LessonWatch
from models.lessons.experiments import DEPTH, LEARNING_RATE
from models.lessons.hierarchy_lesson import HIERARCHY

LESSONS: dict[str, Lesson] = {lesson.name: lesson
                              for lesson in (EDGES, HIERARCHY, ATTENTION_LESSON, DEPTH, LEARNING_RATE)}


MODEL_FILE = "model.keras"


def run_lesson(name: str, out_dir: Path, quick: bool = False, watch: LessonWatch | None = None) -> Evidence:
    """Run lesson `name` and write `evidence.json`, `project.strata.json` and `model.keras` to `out_dir`. The
    project's last run is the one whose model is kept, so opening the project brings the trained model back."""
    from models.building.export import save_keras

    lesson = LESSONS[name]
    start = time.perf_counter()
    evidence = lesson.run(quick, watch or LessonWatch())
    evidence.seconds = round(time.perf_counter() - start, 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "evidence.json").write_text(json.dumps(evidence.to_dict(), indent=2, allow_nan=False) + "\n",
                                           encoding="utf-8")
    if evidence.model is not None:
        save_keras(evidence.model, out_dir / MODEL_FILE, with_initial=True)
    if evidence.project is not None:
        runs = evidence.project.runs
        if evidence.model is not None and runs:
            runs[-1]["model_file"] = MODEL_FILE
        evidence.project.save(out_dir / "project.strata.json")
    return evidence
