"""Help -> About: what Strata is and the exact versions it runs on (for bug reports)."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from models import APP_NAME, __version__
from models.about import library_versions
from models.runtime import RuntimeInfo


def about_text(runtime: RuntimeInfo | None) -> str:
    """HTML for the About box; the device line waits for TensorFlow to have loaded."""
    rows = [f"<tr><td>{name}</td><td>{version}</td></tr>" for name, version in library_versions().items()]
    rows.append(f"<tr><td>Qt</td><td>{qVersion()} (PySide6 {pyside_version})</td></tr>")
    device = runtime.device_label if runtime else "TensorFlow is still loading…"
    rows.append(f"<tr><td>Compute device</td><td>{device}</td></tr>")
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Build, train and look inside neural networks.<br>"
        "Keras 3 models on TensorFlow, drawn as layers you can drag.</p>"
        f"<table cellspacing='4'>{''.join(rows)}</table>"
    )


def show_about(parent: QWidget, runtime: RuntimeInfo | None) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", about_text(runtime))
