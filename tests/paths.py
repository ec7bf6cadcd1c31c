"""The repository root, for tests that run main.py or read the docs (tests live at different depths)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
