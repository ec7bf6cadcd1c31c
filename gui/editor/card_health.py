"""Layer health on a canvas card: a sparkline of the layer's gradient norm over the run (log scale; its output's
spread for a layer without weights), a bar along the card's foot (green, or orange with a warning), and the
numbers and warnings in the card's tooltip."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from models.training.health_history import HealthHistory
from models.training.layer_health import warnings_for

SPARK_WIDTH = 58.0
SPARK_HEIGHT = 14.0
HEALTHY = QColor("#43a047")
UNHEALTHY = QColor("#f9a825")
LINE = QColor("#1e88e5")

LABELS = {"gradient_norm": "gradient norm", "weight_norm": "weight norm", "update_ratio": "update / weight",
          "activation_mean": "output mean", "activation_std": "output spread (std)",
          "dead_share": "dead ReLU units"}


@dataclass
class CardHealth:
    step: int
    latest: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    line: list[float] = field(default_factory=list)  # what the sparkline draws, oldest first
    line_label: str = "gradient norm"

    def tooltip(self) -> str:
        rows = "".join(f"<br>{LABELS.get(stat, stat)}: {_number(stat, value)}" for stat, value in self.latest.items()
                       if value is not None and math.isfinite(value))
        warnings = "".join(f"<br><span style='color:#b8860b'>⚠ {note}</span>" for note in self.warnings)
        return f"<br><b>Layer health at step {self.step}</b> (sparkline: {self.line_label}){rows}{warnings}"


def _number(stat: str, value: float) -> str:
    return f"{value:.0%}" if stat == "dead_share" else f"{value:.3g}"


def card_health_from(history: HealthHistory | None) -> dict[str, CardHealth]:
    """Each measured layer's card health from a run's history (empty without one)."""
    if history is None or not history.steps:
        return {}
    latest = history.latest()
    warnings = warnings_for(latest)
    cards = {}
    for name, stats in latest.items():
        stat = "gradient_norm" if "gradient_norm" in stats else "activation_std"
        cards[name] = CardHealth(history.steps[-1], stats, warnings.get(name, []), history.series(name, stat),
                                 LABELS[stat])
    return cards


def paint_sparkline(painter: QPainter, box: QRectF, values: list[float]) -> None:
    """`values` on a log scale across `box` (non-positive and missing values are gaps)."""
    logs = [math.log10(v) if v is not None and math.isfinite(v) and v > 0 else None for v in values]
    finite = [v for v in logs if v is not None]
    if not finite:
        return
    low, high = min(finite), max(finite)
    span = high - low or 1.0
    count = max(len(logs) - 1, 1)
    pen = QPen(LINE, 1.2)
    painter.setPen(pen)
    segment: list[QPointF] = []
    for index, value in enumerate(logs):
        if value is None:
            if len(segment) > 1:
                painter.drawPolyline(QPolygonF(segment))
            segment = []
            continue
        x = box.left() + box.width() * index / count
        y = box.bottom() - box.height() * (value - low) / span
        segment.append(QPointF(x, y))
    if len(segment) > 1:
        painter.drawPolyline(QPolygonF(segment))
    elif len(segment) == 1:
        painter.drawEllipse(segment[0], 1.2, 1.2)


def paint_card_health(painter: QPainter, health: CardHealth, card: QRectF, right: float) -> None:
    """The sparkline ending at x = `right` on the title line, and the health bar along the card's foot."""
    box = QRectF(right - SPARK_WIDTH, 9, SPARK_WIDTH, SPARK_HEIGHT)
    paint_sparkline(painter, box, health.line)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(UNHEALTHY if health.warnings else HEALTHY)
    painter.drawRoundedRect(QRectF(card.left() + 10, card.bottom() - 4, card.width() - 20, 3), 1.5, 1.5)
