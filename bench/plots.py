"""Live curves with a long history: the cost of one redraw + repaint of the Training panel's plots as the
per-step series grows to 1,000,000 points (past 5,000 steps the loss is drawn as an envelope per pixel column:
its lowest, highest and mean value, which keeps every spike visible and the cost flat).

Budget: a redraw of 1,000,000 points stays under 50 ms, so the 12 Hz refresh keeps the window responsive.
Run under a (virtual) display: `xvfb-run python bench/plots.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import create_application  # noqa: E402
from gui.training.plots import TrainingPlots  # noqa: E402

BUDGET_MS = 50.0


def main() -> int:
    create_application([])
    plots = TrainingPlots()
    plots.resize(1200, 450)
    plots.show()
    QApplication.processEvents()
    rng = np.random.default_rng(0)
    step, worst = 0, 0.0
    for size in (1_000, 10_000, 100_000, 1_000_000):
        count = size - step
        steps = np.arange(step + 1, size + 1)
        losses = 1 / np.sqrt(steps) + rng.random(count) * 0.05
        plots.add_batches([(int(s), 0.0, {"loss": float(v), "learning_rate": 1e-3})
                           for s, v in zip(steps, losses, strict=True)])
        plots.add_epoch(size // 1000, {"loss": float(losses[-1]), "val_loss": float(losses[-1]) * 1.1})
        step = size
        times = []
        for repeat in range(15):
            plots.add_batches([(step + repeat + 1, 0.0, {"loss": 0.01, "learning_rate": 1e-3})])
            start = time.perf_counter()
            plots.redraw()
            plots.graphics.viewport().repaint()
            times.append((time.perf_counter() - start) * 1000)
        step += 15
        median = statistics.median(times)
        worst = max(worst, median) if size == 1_000_000 else worst
        print(f"{size:>9,} points: redraw + repaint median {median:6.1f} ms, max {max(times):6.1f} ms")
    plots.close()
    plots.deleteLater()  # before the interpreter's teardown: a plot widget left to it crashed the exit once
    QApplication.processEvents()
    ok = worst <= BUDGET_MS
    print(f"1,000,000 points: {worst:.1f} ms (budget <= {BUDGET_MS:.0f} ms) {'ok' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
