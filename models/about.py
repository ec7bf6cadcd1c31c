"""Versions of Strata and the libraries it stands on, read without importing them (fast)."""

from __future__ import annotations

from importlib import metadata

from models import APP_NAME, __version__

_LIBRARIES = ("tensorflow", "keras", "PySide6-Essentials", "pyqtgraph", "numpy", "pillow")


def library_versions() -> dict[str, str]:
    """Installed version of each library Strata depends on ('not installed' when missing)."""
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def version_text() -> str:
    """One line for `--version`."""
    return f"{APP_NAME} {__version__}"
