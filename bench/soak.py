"""Memory over a long session: train, stop, File > New, many times in the real window.

Each cycle opens a new project (its data loads in a worker), trains a small MLP for a few steps, stops it and
waits for the end, as tests/gui/test_soak.py does. After each cycle garbage is collected and the resident memory
(RSS, /proc/self/statm) read. Reported: RSS after the first cycles, the growth per cycle over the rest (median of
the per-cycle differences and the least-squares slope), and the worker threads still alive.

The reference, in the same process: plain Keras building, compiling, fitting and evaluating the same model on the
same data as many times, each in a new thread. TensorFlow 2.21 / Keras 3 grow by ~4.5 MB for every new model
fitted (keras-team/keras#17458, tensorflow/tensorflow#61791; `clear_session` does not help), so what Strata
controls is its growth beyond that reference. Target (issue 15): under 1 MB per cycle beyond the reference.

    python bench/soak.py [--cycles 20] [--warmup 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.environment import configure_keras_environment  # noqa: E402

configure_keras_environment()

import shiboken6  # noqa: E402
from PySide6.QtCore import QSettings, QThread  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from tests.gui.test_soak import small_project  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.005)


def cycle(window: MainWindow) -> None:
    editor = window.editor
    editor.document.undo_stack.setClean()
    editor.document.replace(small_project(), None)
    wait_until(lambda: editor.data_panel.dataset is not None and not editor.data_panel.is_loading())
    training = editor.training
    training.start()
    wait_until(lambda: training.worker is not None and training.worker.progress.step >= 3)
    training.stop()
    wait_until(lambda: training.worker is None)
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.005)


def keras_reference(cycles: int) -> list[float]:
    """RSS after each of `cycles` plain-Keras runs of the soak's model and data, each in its own thread."""
    import threading

    import keras

    from datasets.registry import load_dataset
    from models.building.builder import build

    project = small_project()
    dataset = load_dataset(project.dataset)

    def run() -> None:
        model = build(project.spec).model
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(dataset.train.x, dataset.train.y, batch_size=16, epochs=1, verbose=0,
                  validation_data=(dataset.validation.x, dataset.validation.y))
        keras.backend.clear_session()

    readings = []
    for _ in range(cycles):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        gc.collect()
        readings.append(rss_mb())
    return readings


def growth(readings: list[float], warmup: int) -> tuple[float, float]:
    """(median per-cycle difference, least-squares slope) after the first `warmup` cycles, in MB."""
    steady = readings[warmup - 1:]
    steps = [b - a for a, b in zip(steady, steady[1:], strict=False)]
    slope = statistics.linear_regression(range(len(steady)), steady).slope
    return statistics.median(steps), slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5, help="cycles left out of the growth figure")
    args = parser.parse_args()
    app = create_application([])
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat),
                            offer_recovery=False)
        window.resize(1280, 800)
        window.show()
        wait_until(lambda: window.runtime is not None, timeout=120)
        readings = []
        started = time.perf_counter()
        for _ in range(args.cycles):
            cycle(window)
            gc.collect()
            readings.append(rss_mb())
        threads = [t for t in window.findChildren(QThread) if shiboken6.isValid(t)]
        duration = time.perf_counter() - started
        reference = keras_reference(args.cycles)
        median, slope = growth(readings, args.warmup)
        reference_median, reference_slope = growth(reference, args.warmup)
        print(f"{args.cycles} train/stop/New cycles in {duration:.0f} s")
        print("Strata, RSS after each cycle (MB): " + " ".join(f"{r:.0f}" for r in readings))
        print("plain Keras reference (MB):        " + " ".join(f"{r:.0f}" for r in reference))
        print(f"growth per cycle after the first {args.warmup}: Strata median {median:+.2f} MB, slope {slope:+.2f} MB; "
              f"plain Keras median {reference_median:+.2f} MB, slope {reference_slope:+.2f} MB")
        print(f"Strata beyond the reference: {slope - reference_slope:+.2f} MB per cycle (target < 1 MB)")
        print(f"worker threads alive under the window: {len(threads)} ({', '.join(type(t).__name__ for t in threads)})")
        window.editor.document.undo_stack.setClean()
        window.close()
        app.processEvents()
    return 0 if slope - reference_slope < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
