"""Editor latency: from an inspector edit to the canvas showing the new shapes, in the real main window.

Budget (issue 4): median <= 50 ms for a 50-node model, <= 300 ms for a 200-node one. Big imported networks
(issue 18, `--big`): ResNet50 and NASNetMobile (771 layers) opened and painted <= 1.5 s, an inspector edit ->
repainted <= 150 ms, a pan frame <= 16 ms median. Each repeat changes
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


BIG_BUDGET_MS = {"open": 1500.0, "edit": 150.0, "pan": 16.0}


def big_network_ms(window: MainWindow, name: str, repeats: int) -> dict[str, float]:
    """Medians for a Keras Applications network imported with random weights: open (the project replaced, the
    canvas laid out and painted), an inspector edit, and one pan step of the canvas."""
    import keras

    from models.building.keras_import import import_model

    spec = import_model(getattr(keras.applications, name)(weights=None)).spec
    editor = window.editor
    opens = []
    for _ in range(3):
        start = time.perf_counter()
        editor.document.replace(Project(spec=spec.copy()), None)
        editor.canvas.show_model()
        editor.canvas.viewport().repaint()
        QApplication.processEvents()
        opens.append((time.perf_counter() - start) * 1000)
    conv = next(n for n, node in editor.document.spec.nodes.items() if node.type == "Conv2D")
    editor.canvas.select([conv])
    edits = []
    for repeat in range(repeats):
        start = time.perf_counter()
        editor.inspector.param_changed.emit(conv, "filters", 8 + repeat % 2 * 8)
        editor.canvas.viewport().repaint()
        QApplication.processEvents()
        edits.append((time.perf_counter() - start) * 1000)
    bar = editor.canvas.verticalScrollBar()
    pans = []
    for step in range(repeats):
        start = time.perf_counter()
        bar.setValue(bar.minimum() + (step * 97) % max(1, bar.maximum() - bar.minimum()))
        editor.canvas.viewport().repaint()
        pans.append((time.perf_counter() - start) * 1000)
    return {"open": statistics.median(opens), "edit": statistics.median(edits), "pan": statistics.median(pans)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--big", action="store_true", help="also ResNet50 and NASNetMobile, imported")
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
    for name in ("ResNet50", "NASNetMobile") if args.big else ():
        figures = big_network_ms(window, name, args.repeats)
        over = [key for key, value in figures.items() if value > BIG_BUDGET_MS[key]]
        failed |= bool(over)
        print(f"{name:>12}: open {figures['open']:7.1f} ms  edit {figures['edit']:6.1f} ms  pan frame "
              f"{figures['pan']:5.1f} ms  (budgets {BIG_BUDGET_MS['open']:.0f} / {BIG_BUDGET_MS['edit']:.0f} / "
              f"{BIG_BUDGET_MS['pan']:.0f} ms) {'OVER BUDGET: ' + ', '.join(over) if over else 'ok'}")
    window.editor.document.undo_stack.setClean()
    window.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
