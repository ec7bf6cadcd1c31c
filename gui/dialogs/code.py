"""Export -> Keras Python code: a preview of the generated code, copied or saved from the dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui.document import ProjectDocument
from models.building.codegen import generate_code
from models.checks.problems import BuildError


class CodeDialog(QDialog):
    """Shows the code `models.building.codegen` writes for the current model; an invalid model shows why instead."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWindowTitle("Export Keras Python Code")
        self.resize(760, 600)
        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # wrapped Python reads as broken
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.note = QLabel()
        self.note.setWordWrap(True)
        try:
            self.code = generate_code(document.spec, document.report, document.project.training,
                                      document.project.dataset)
            self.note.setText("Plain Keras 3 code: runs without Strata (except Strata's own layers, "
                              "which the file defines).")
        except BuildError as error:
            self.code = ""
            self.note.setText(str(error))
        self.editor.setPlainText(self.code)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        for button in (self.copy_button, buttons.button(QDialogButtonBox.StandardButton.Save)):
            button.setEnabled(bool(self.code))
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code)

    def save(self) -> None:
        suggested = (self.document.path.with_name(self.document.spec.name + ".py") if self.document.path
                     else Path.home() / f"{self.document.spec.name}.py")
        path, _ = QFileDialog.getSaveFileName(self, "Save Python Code", str(suggested), "Python (*.py)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            path.write_text(self.code, encoding="utf-8")
        except OSError as error:
            QMessageBox.warning(self, "Cannot save code", f"{path} could not be written: {error.strerror}")
            return False
        self.accept()
        return True
