"""`python main.py lesson [NAME] [--out DIR] [--quick]`: list the lessons, or run one and write its evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO


def lesson_command(name: str | None, out_dir: Path | None = None, quick: bool = False, out: TextIO = sys.stdout,
                   err: TextIO = sys.stderr) -> int:
    """Exit status: 0 when the claim held on this run, 1 when it did not, 2 for an unknown lesson."""
    from models.lessons import LESSONS, run_lesson

    if name is None:
        for lesson in LESSONS.values():
            print(f"{lesson.name:<15} {lesson.title} {lesson.claim}", file=out)
        return 0
    if name not in LESSONS:
        print(f"strata lesson: no lesson '{name}'; there are: {', '.join(LESSONS)}", file=err)
        return 2
    lesson = LESSONS[name]
    out_dir = out_dir or Path(f"lesson-{name}")
    print(f"{lesson.title} {lesson.look_at}", file=out, flush=True)
    evidence = run_lesson(name, out_dir, quick)
    print(evidence.verdict, file=out)
    print(f"({evidence.seconds:.0f} s) wrote {out_dir}/evidence.json, project.strata.json, model.keras", file=out)
    return 0 if evidence.held else 1
