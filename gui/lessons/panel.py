"""The Lesson panel: the claim, what to look at, a button that runs the lesson's experiment (with progress and
Stop), and the evidence once measured — the number beside its reference and a verdict in plain words."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.colors import muted_style
from models.lessons.evidence import Evidence, Lesson

HELD_STYLE = "border-left: 4px solid #2e8b57; padding-left: 8px;"
NOT_HELD_STYLE = "border-left: 4px solid #d2691e; padding-left: 8px;"


def evidence_html(evidence: Evidence) -> str:
    """The evidence as a small table (what was measured, the number, its reference) and the verdict."""
    rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(measured)}</b></td>"
                   f"<td>{html.escape(reference)}</td></tr>" for what, measured, reference in evidence.rows)
    table = ("<table cellspacing='0' cellpadding='3'><tr><th align='left'>Measured</th><th align='left'>This "
             f"run</th><th align='left'>Reference</th></tr>{rows}</table>") if rows else ""
    outcome = "Shown on this run." if evidence.held else "Not shown on this run."
    took = f" ({evidence.seconds:.0f} s)" if evidence.seconds else ""
    return f"<p><b>{outcome}</b>{took}</p>{table}<p>{html.escape(evidence.verdict)}</p>"


class LessonPanel(QWidget):
    """Signals: `run_requested()`, `stop_requested()`, `open_requested()`."""

    run_requested = Signal()
    stop_requested = Signal()
    open_requested = Signal()  # open what the last run of the lesson trained

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lesson: Lesson | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.claim = QLabel()
        self.claim.setWordWrap(True)
        self.look_at = QLabel()
        self.look_at.setWordWrap(True)
        self.run_button = QPushButton("Run the Lesson")
        self.run_button.setToolTip("Train what the lesson needs and measure the claim beside its reference")
        self.run_button.clicked.connect(self.run_requested)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setEnabled(False)
        self.open_button = QPushButton("Open the Trained Project")
        self.open_button.setToolTip("What the last run of this lesson trained: its runs, curves and model")
        self.open_button.clicked.connect(self.open_requested)
        self.open_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(muted_style())
        self.evidence = QLabel()
        self.evidence.setObjectName("lesson_evidence")
        self.evidence.setWordWrap(True)
        self.evidence.setTextFormat(Qt.TextFormat.RichText)
        self.evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evidence.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        open_row = QHBoxLayout()  # its own row: a docked panel is narrow
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)
        body = QWidget()
        layout = QVBoxLayout(body)
        # the controls and the evidence first: a docked panel is often short
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addLayout(open_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.evidence)
        layout.addWidget(self.claim)
        layout.addWidget(self.look_at)
        layout.addStretch(1)
        self.scroll = scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def show_lesson(self, lesson: Lesson, earlier: Evidence | None = None, trained: bool = False) -> None:
        """A lesson just opened; `earlier`: its evidence from a previous run, if any; `trained`: what that run
        trained can be opened."""
        self.lesson = lesson
        self.title.setText(f"<h3>{html.escape(lesson.title)}</h3>")
        self.claim.setText(f"<i>{html.escape(lesson.claim)}</i>")
        self.look_at.setText(html.escape(lesson.look_at))
        self.set_running(False)
        self.status.setText("")
        self.scroll.verticalScrollBar().setValue(0)  # a new lesson is read from its title
        self.open_button.setVisible(trained)
        if earlier is not None:
            self.show_evidence(earlier, earlier_run=True)
        else:
            self.evidence.hide()

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.status.setText("Starting…")

    def show_progress(self, text: str, percent: int) -> None:
        self.progress.setValue(max(0, min(100, percent)))
        self.status.setText(text)

    def show_evidence(self, evidence: Evidence, earlier_run: bool = False) -> None:
        self.set_running(False)
        if not earlier_run:
            self.open_button.hide()  # it is open now
        self.status.setText("From your last run of this lesson:" if earlier_run else "")
        self.evidence.setText(evidence_html(evidence))
        self.evidence.setStyleSheet(HELD_STYLE if evidence.held else NOT_HELD_STYLE)
        self.evidence.show()
        self.scroll.ensureWidgetVisible(self.evidence)  # a short dock scrolls to it

    def show_ended(self, text: str) -> None:
        """Stopped or failed: say so, keep whatever evidence was shown."""
        self.set_running(False)
        self.status.setText(text)
