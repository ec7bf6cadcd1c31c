"""Editor latency: from an inspector edit to the canvas showing the new shapes, in the real main window.

Budget (issue 4): median <= 50 ms for a 50-node model, <= 300 ms for a 200-node one. Each repeat changes
a Conv2D's `filters` through the inspector's own signal (what its spin box emits), which runs the undo
command, validation, the card updates and the summary table; the clock stops when the canvas viewport has
repainted. Run on a real (virtual) screen: `xvfb-run python bench/editor.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.environment import configure_keras_environment  # noqa: E402

configure_keras_environment()

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.validate import residual_stack  # noqa: E402
from gui.app import create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from models.graph.project import Project  # noqa: E402

BUDGET_MS = {50: 50.0, 200: 300.0}


def edit_latency_ms(window: MainWindow, nodes: int, repeats: int) -> tuple[float, float]:
    """(median, max) ms from an inspector edit to the repainted canvas, for a model of `nodes` layers."""
    editor = window.editor
    editor.document.replace(Project(spec=residual_stack(nodes)), None)
    conv = next(n for n, node in editor.document.spec.nodes.items() if node.type == "Conv2D")
    editor.canvas.select([conv])
    editor.canvas.centerOn(editor.canvas.nodes[conv])
    QApplication.processEvents()
    times = []
    for repeat in range(repeats):
        filters = 8 + repeat % 2 * 8
        start = time.perf_counter()
        editor.inspector.param_changed.emit(conv, "filters", filters)
        editor.canvas.viewport().repaint()
        QApplication.processEvents()
        times.append((time.perf_counter() - start) * 1000)
        shown = editor.canvas.nodes[conv].shape_text
        assert f", {filters})" in shown, f"canvas shows {shown!r} after setting filters={filters}"
    return statistics.median(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    create_application([])
    settings = QSettings(str(Path("/tmp") / "strata-bench-editor.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, load_runtime=False, offer_recovery=False)
    window.resize(1360, 860)
    window.show()
    QApplication.processEvents()
    failed = False
    for nodes, budget in BUDGET_MS.items():
        median, worst = edit_latency_ms(window, nodes, args.repeats)
        verdict = "ok" if median <= budget else "OVER BUDGET"
        failed |= median > budget
        print(f"{nodes:4d} nodes: inspector edit -> canvas repainted  median {median:6.1f} ms  "
              f"max {worst:6.1f} ms  (budget {budget:.0f} ms) {verdict}")
    window.editor.document.undo_stack.setClean()
    window.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
