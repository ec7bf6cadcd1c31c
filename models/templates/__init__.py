"""Starting models shipped as ordinary project files, loadable by name (File -> New)."""

from __future__ import annotations

from pathlib import Path

from models.graph.project import FILE_SUFFIX, Project

TEMPLATE_DIR = Path(__file__).parent
# The order File -> New shows them in: simplest first.
ORDER = ("mlp", "lenet", "vgg", "resnet", "vit", "sequence_attention", "lstm")


def template_names() -> list[str]:
    found = {p.name.removesuffix(FILE_SUFFIX) for p in TEMPLATE_DIR.glob(f"*{FILE_SUFFIX}")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def template_path(name: str) -> Path:
    path = TEMPLATE_DIR / f"{name}{FILE_SUFFIX}"
    if not path.exists():
        raise KeyError(f"no template '{name}'; there are: {', '.join(template_names())}")
    return path


def load_template(name: str) -> Project:
    return Project.load(template_path(name))
