"""The mouse wheel scrolls the form it is over, and changes a spin box, combo box or slider only when that field
has the keyboard focus (clicked or tabbed into). Without this, scrolling a settings form changes the value under
the pointer (noise 0.05 -> 0.045, one undo step per notch) instead of scrolling.

The filter sits on each such field, not on the application: an application-wide Python filter is called for every
event of every widget (17,600 calls while the window is built, and more per second of training)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """An unfocused field passes the wheel to its parent (a scroll area then scrolls); a focused one takes it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        parent = watched.parentWidget()
        if parent is not None:
            QCoreApplication.sendEvent(parent, event)  # the parent, then its parents, may scroll
        return True


_guard: WheelGuard | None = None


def guard_wheel(*roots: QWidget) -> None:
    """Guard every spin box, combo box and slider in `roots` (the widgets themselves and their children); call
    it again for fields made later (guarding twice does nothing more). Scroll bars keep the wheel."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(QCoreApplication.instance())
    for root in roots:
        for field in [root, *root.findChildren(QWidget)]:
            if not isinstance(field, GUARDED):
                continue
            if isinstance(field, QScrollBar) or field.property("wheel_guarded"):
                continue
            field.setProperty("wheel_guarded", True)
            field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel must not give it the focus either
            field.installEventFilter(_guard)
