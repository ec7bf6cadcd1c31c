"""The pinned input beside the Inspection tabs: the original as it came, what the model receives (drawn as a
picture, or as numbers for a point or a token sequence), and notes on how it was prepared."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.inspection.views import OverlayImage
from gui.widgets.colors import muted_style
from gui.widgets.images import image_for_view
from models.formatting import values_text
from models.inspection.inputs import LoadedInput

EMPTY_HINT = "Open an image, drop one here, paste one, or pick a sample photo or dataset sample."


class InputPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original_view = OverlayImage()
        self.input_view = OverlayImage()
        for view in (self.original_view, self.input_view):
            view.setMinimumSize(120, 100)
        self.original_caption = QLabel("Original")
        self.input_caption = QLabel("What the model receives")
        self.notes = QLabel()
        self.notes.setStyleSheet(muted_style())
        for label in (self.original_caption, self.input_caption, self.notes):
            label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.original_caption)
        layout.addWidget(self.original_view, 1)
        layout.addWidget(self.input_caption)
        layout.addWidget(self.input_view, 1)
        layout.addWidget(self.notes)
        self.clear(EMPTY_HINT)

    def show_input(self, loaded: LoadedInput) -> None:
        shape = "x".join(str(d) for d in loaded.sample.shape)
        is_image = loaded.sample.ndim == 3
        for view in (self.original_view, self.input_view):
            view.setVisible(is_image)
        self.original_caption.setText(f"Original: {loaded.name}")
        if is_image:
            self.original_view.set_image(image_for_view(loaded.original))
            self.input_view.set_image(image_for_view(loaded.sample))
            self.input_caption.setText(f"What the model receives ({shape})")
        else:  # a point or a token sequence reads better as numbers than as a strip of pixels
            self.input_caption.setText(f"What the model receives ({shape}): {values_text(loaded.sample)}")
        self.notes.setText("; ".join(loaded.notes).capitalize() if loaded.notes else "")

    def clear(self, note: str) -> None:
        """No input pinned: empty views, and `note` says what to do (or why the last one went)."""
        for view in (self.original_view, self.input_view):
            view.set_image(None)
            view.setVisible(True)
        self.original_caption.setText("Original")
        self.input_caption.setText("What the model receives")
        self.notes.setText(note)
