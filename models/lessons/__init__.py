"""Lessons: claims about deep learning, each shown by training something small and measuring it beside a
reference, in a teacher's words. `LESSONS` lists them; `run_lesson` runs one headless (main.py lesson)."""

from models.lessons.evidence import Evidence, Lesson
from models.lessons.registry import LESSONS, run_lesson

__all__ = ["LESSONS", "Evidence", "Lesson", "run_lesson"]
