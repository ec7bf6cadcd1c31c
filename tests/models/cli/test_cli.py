"""The command line: help, version, the headless commands, and a plain message without a display."""

import os
import subprocess
import sys

from models import __version__
from tests.paths import ROOT


def run_main(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def test_help_lists_every_headless_command():
    result = run_main("--help")
    assert result.returncode == 0
    for command in ("summary", "validate", "export-code", "train", "import"):
        assert command in result.stdout


def test_version():
    result = run_main("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"Strata {__version__}"


def test_without_a_display_the_gui_explains_itself():
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    result = run_main(env=env)
    assert result.returncode == 2
    assert "xvfb-run make run" in result.stderr
    assert "Traceback" not in result.stderr
