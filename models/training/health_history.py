"""A run's layer health over time: the steps it was measured at and, per layer, each statistic's values — what
the canvas draws as sparklines and what the run keeps in the project file (thinned to at most MAX_POINTS, and
fewer for a big graph: at most MAX_VALUES numbers in all, so a 771-layer import's run stays under a megabyte)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

MAX_POINTS = 400
MAX_VALUES = 100_000
MIN_POINTS = 20


@dataclass
class HealthHistory:
    steps: list[int] = field(default_factory=list)
    layers: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # layer: stat: values (NaN: none)

    def add(self, step: int, health: dict[str, dict[str, float]]) -> None:
        count = len(self.steps)
        self.steps.append(int(step))
        for name, stats in health.items():
            series = self.layers.setdefault(name, {})
            for stat, value in stats.items():
                series.setdefault(stat, [math.nan] * count).append(float(value))
        for series in self.layers.values():  # a statistic missing this time: NaN keeps the lists aligned
            for values in series.values():
                if len(values) < count + 1:
                    values.append(math.nan)
        if len(self.steps) > self.point_limit():
            self._thin()

    def point_limit(self) -> int:
        """How many measurements are kept: MAX_POINTS, or fewer when there are many series to keep."""
        series = sum(len(stats) for stats in self.layers.values())
        return max(MIN_POINTS, min(MAX_POINTS, MAX_VALUES // max(series, 1)))

    def _thin(self) -> None:
        """Every other point (the latest kept): a long run's history stays small."""
        keep = list(range(len(self.steps) - 1, -1, -2))[::-1]
        self.steps = [self.steps[i] for i in keep]
        for series in self.layers.values():
            for stat, values in series.items():
                series[stat] = [values[i] for i in keep]

    def latest(self) -> dict[str, dict[str, float]]:
        return {name: {stat: values[-1] for stat, values in series.items() if values}
                for name, series in self.layers.items()}

    def series(self, layer: str, stat: str) -> list[float]:
        return list(self.layers.get(layer, {}).get(stat, []))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: 4 significant digits, NaN as null."""
        def number(value: float) -> float | None:
            return None if not math.isfinite(value) else float(f"{value:.4g}")

        return {"steps": list(self.steps),
                "layers": {name: {stat: [number(v) for v in values] for stat, values in series.items()}
                           for name, series in self.layers.items()}}

    @classmethod
    def from_dict(cls, data: Any) -> HealthHistory:
        """From a run record (an unusable one gives an empty history)."""
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            return cls()
        steps = [int(s) for s in data["steps"] if isinstance(s, (int, float))]
        layers = {}
        for name, series in (data.get("layers") or {}).items():
            if isinstance(series, dict):
                layers[str(name)] = {str(stat): [math.nan if v is None else float(v) for v in values][:len(steps)]
                                     for stat, values in series.items() if isinstance(values, list)}
        return cls(steps, layers)
