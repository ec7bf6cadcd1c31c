"""Help ▸ User Guide: gui/resources/user-guide.md rendered in the app (Qt reads Markdown), so it works offline,
also installed, and the guide linked from the README and the one in the window are the same text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE = Path(__file__).resolve().parents[1] / "resources" / "user-guide.md"


def guide_text() -> str:
    try:
        return GUIDE.read_text(encoding="utf-8")
    except OSError as error:  # a broken installation: say so instead of an empty window
        return f"# Strata user guide\n\nThe guide could not be read ({error})."


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Strata User Guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(guide_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 640)
