"""The one set of colours: series (classes, runs, curves), the error red and muted text, used alike by every
view."""

import functools

SERIES = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab", "#c0ca33",
          "#d81b60"]  # Material 600s: distinct on white, in this order
ERROR = "#c62828"  # Material red 800: 5:1 on white and on the window grey (AA), where 600 read 4.3:1


def _luminance(color) -> float:
    """WCAG 2 relative luminance of a QColor."""
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(foreground, background) -> float:
    """WCAG 2 contrast ratio of two QColors (1 to 21); body text needs 4.5 (level AA)."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def muted_text(palette=None):
    """Secondary text (hints, notes, captions): the palette's text colour moved toward its background only as far
    as keeps a 4.5:1 contrast (WCAG AA). Qt's `palette(mid)` grey read at about 2.5:1 on white."""
    from PySide6.QtGui import QColor, QGuiApplication

    palette = palette or QGuiApplication.palette()
    colors = (palette.text().color(), palette.window().color(), palette.base().color())
    return QColor.fromRgba(_muted_rgba(*(color.rgba() for color in colors)))


@functools.lru_cache(maxsize=8)
def _muted_rgba(text_rgba: int, window_rgba: int, base_rgba: int) -> int:
    """Made once per palette: the search costs about a millisecond, and every hint label asks."""
    from PySide6.QtGui import QColor

    text, window, base = QColor.fromRgba(text_rgba), QColor.fromRgba(window_rgba), QColor.fromRgba(base_rgba)
    chosen = QColor(text)
    for step in range(1, 60):
        t = step / 100
        blend = QColor.fromRgbF(text.redF() + (window.redF() - text.redF()) * t,
                                text.greenF() + (window.greenF() - text.greenF()) * t,
                                text.blueF() + (window.blueF() - text.blueF()) * t)
        if contrast_ratio(blend, window) < 4.6 or contrast_ratio(blend, base) < 4.6:
            break
        chosen = blend
    return chosen.rgba()


def muted_style(extra: str = "") -> str:
    """A style sheet for secondary text in `muted_text`'s colour."""
    return f"color: {muted_text().name()};{(' ' + extra) if extra else ''}"
