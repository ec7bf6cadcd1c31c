"""Every command the README and docs show works as written: through make, or with the set-up environment's
Python from the repository root (a bare `python` on a fresh machine has neither PIL nor PySide6)."""

import re
import subprocess
import sys

from tests.paths import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def shown_commands() -> list[str]:
    """Lines of sh blocks and `inline code` that run Python or main.py."""
    commands = []
    for path in DOCS:
        text = path.read_text()
        blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
        lines = [line for block in blocks for line in block.splitlines()]
        lines += re.findall(r"`([^`\n]*(?:python|main\.py)[^`\n]*)`", text)
        commands += [line.split("#")[0].strip() for line in lines if "python" in line or "main.py" in line]
    return [command for command in commands if command]


def test_no_command_needs_a_bare_python():
    bare = [c for c in shown_commands() if re.search(r"(^|[\s=])python3?\s", c) and ".venv/bin/python" not in c]
    assert not bare


def test_every_subcommand_shown_exists_and_the_worked_example_runs():
    subcommands = {m.group(1) for c in shown_commands() for m in [re.search(r"main\.py (\w[\w-]*)", c)] if m}
    subcommands -= {"PROJECT"}
    assert {"summary", "validate", "export-code", "train"} <= subcommands
    for name in sorted(subcommands):
        done = subprocess.run([sys.executable, "main.py", name, "--help"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (name, done.stderr)
    done = subprocess.run([sys.executable, "main.py", "summary", "models/templates/vit.strata.json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Total params" in done.stdout
