"""A project with 200 runs: the time from reading its file to the Runs table drawn in a real window, and
the time to redraw the table after a change (a rename, a sort, the selection that fills "differs from
selected").

Budget: opened and drawn <= 300 ms; a redraw <= 300 ms. Run under a (virtual) display:
`xvfb-run python bench/runs.py`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import create_application  # noqa: E402
from gui.training.runs import RunsView  # noqa: E402
from models.graph.project import Project  # noqa: E402
from models.templates import load_template  # noqa: E402
from models.training.config import TrainingConfig  # noqa: E402
from models.training.runs import run_record  # noqa: E402
from models.training.trainer import TrainingResult  # noqa: E402

BUDGET_MS = 300.0
RUNS = 200
EPOCHS = 50


def project_file(folder: Path) -> Path:
    """A VGG template project with 200 runs of 50 epochs, 4 metrics each, some grouped as repeats."""
    project = load_template("vgg")
    for number in range(1, RUNS + 1):
        history = {m: [1.0 / (1 + e + number % 7) for e in range(EPOCHS)]
                   for m in ("loss", "val_loss", "accuracy", "val_accuracy")}
        result = TrainingResult(history=history, final={m: v[-1] for m, v in history.items()}, steps=EPOCHS * 40,
                                epochs_done=EPOCHS, duration=60.0 + number, device="CPU")
        config = TrainingConfig(learning_rate=10 ** -(1 + number % 4), batch_size=16 * (1 + number % 3),
                                seed=number % 5)
        record = run_record(number, project.spec, {"source": "shapes"}, config, result)
        if number > 100:
            record["group"] = f"seeds-{(number - 101) // 5 + 1}"
        project.runs.append(record)
    path = folder / "many-runs.strata.json"
    project.save(path)
    return path


def timed(action) -> float:
    start = time.perf_counter()
    action()
    QApplication.processEvents()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    create_application([])
    with tempfile.TemporaryDirectory() as folder:
        path = project_file(Path(folder))
        print(f"{RUNS} runs of {EPOCHS} epochs: {path.stat().st_size / 1e6:.1f} MB project file")
        view = RunsView()
        view.resize(1400, 700)
        view.show()
        QApplication.processEvents()
        opens, redraws, sorts, selects = [], [], [], []
        for _repeat in range(7):
            def open_and_draw() -> None:
                project = Project.load(path)
                view.show_runs(project.runs)
                view.table.viewport().repaint()

            opens.append(timed(open_and_draw))
            runs = view.runs
            runs[3]["name"] = f"renamed {_repeat}"
            redraws.append(timed(lambda runs=runs: (view.show_runs(list(runs)), view.table.viewport().repaint())))
            column = view.model.columns.index("val_loss")
            sorts.append(timed(lambda column=column: (view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder),
                                                      view.table.viewport().repaint())))
            view.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
            selects.append(timed(lambda: (view.select_ids(["run-7"]), view.table.viewport().repaint())))
            view.select_ids([])
        view.close()
        view.deleteLater()  # before the interpreter's teardown
        QApplication.processEvents()
    figures = {"open + draw": opens, "redraw after a rename": redraws, "sort by val_loss": sorts,
               "select (differs column)": selects}
    worst = 0.0
    for label, times in figures.items():
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{label:>26}: median {median:6.1f} ms, max {max(times):6.1f} ms")
    ok = worst <= BUDGET_MS
    print(f"worst median {worst:.1f} ms (budget <= {BUDGET_MS:.0f} ms) {'ok' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
