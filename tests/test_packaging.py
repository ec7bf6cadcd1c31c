"""Strata installs like a Python desktop app: a wheel built from the repository (offline, with the setuptools in
the environment) holds every package and data file and gives the `strata` command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

from tests.paths import ROOT


def runtime_pins() -> list[str]:
    """requirements.txt's pins above its "# Tests." section."""
    text = (ROOT / "requirements.txt").read_text().split("# Tests.")[0]
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_package_dependencies_are_the_requirement_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == runtime_pins()
    assert project["scripts"]["strata"] == "main:console_main"


def test_a_wheel_holds_the_app_and_its_command_runs(tmp_path):
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("gui", "models", "datasets"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "main.py"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
                    "--quiet", "-w", str(wheels), str(source)], check=True, timeout=300)
    wheel = next(wheels.glob("strata-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"main.py", "gui/resources/strata.svg", "models/templates/lenet.strata.json",
            "datasets/registry.py", "models/inspection/probe.py", "gui/resources/user-guide.md"} <= names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert re.search(r"^strata = main:console_main$", entry_points, re.M)
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target",
                    str(target), str(wheel)], check=True, timeout=300)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(target / "bin" / "strata"), "--version"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0 and "Strata" in done.stdout, done.stderr
    done = subprocess.run([sys.executable, str(target / "bin" / "strata"), "summary",
                           str(target / "models" / "templates" / "lenet.strata.json")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0 and "Total params" in done.stdout, done.stderr
