"""Whether a widget can be seen: work for views nobody can see waits until they are shown."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    """Shown and not behind another dock's tab. Qt moves a tabbed-away dock off-screen instead of hiding it, so
    `isVisible()` stays True there (and no hideEvent arrives); its visible region is empty."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()
