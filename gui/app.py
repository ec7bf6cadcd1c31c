"""Starting the Qt application: settings identity, the main window, an optional start-up timing report."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from models import APP_NAME, __version__

log = logging.getLogger(__name__)


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with the names QSettings uses to find Strata's saved state."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("strata")
    return app


def run_gui(argv: list[str], startup_report: Path | None = None, quit_when_ready: bool = False,
            project: Path | None = None) -> int:
    """Show the main window and run the event loop.

    `startup_report` writes the wall-clock times of the first paint and of TensorFlow being ready
    (seconds since the epoch) as JSON, for bench/startup.py; `quit_when_ready` exits once both are in.
    """
    app = create_application(argv)
    from gui.main_window import ICON_PATH, MainWindow

    app.setWindowIcon(QIcon(str(ICON_PATH)))
    window = MainWindow(offer_recovery=project is None)
    if project is not None:
        window.open_project(project)
    times: dict[str, float | bool | str] = {}

    def record(event: str, value: float | None = None) -> None:
        times[event] = value if value is not None else time.time()
        if startup_report is not None:
            startup_report.write_text(json.dumps(times))
        if quit_when_ready and {"first_paint", "runtime_ready"} <= times.keys():
            QTimer.singleShot(0, window.close)

    def on_first_paint(at: float) -> None:
        times["tensorflow_imported_at_first_paint"] = "tensorflow" in sys.modules
        times["window_title"] = window.windowTitle()
        record("first_paint", at)

    window.first_painted.connect(on_first_paint)
    window.runtime_ready.connect(lambda _info: record("runtime_ready"))
    window.show()
    code = app.exec()
    from gui.threads import exit_if_abandoned

    exit_if_abandoned(code)  # a worker that could not stop in time must not be destroyed by Python's teardown
    return code
