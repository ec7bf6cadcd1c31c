"""Runs the Trainer in a QThread and adapts its Reporter calls for the GUI.

Per-batch metrics are not signals: they go into a buffer that the panel drains from a timer (10-30 Hz),
so the GUI never handles a flood of events and training never waits for drawing. Rare events (start,
epoch end, messages, the end) are queued signals. Stop, pause, resume and a new learning rate are set
from the GUI thread on thread-safe objects that the training thread reads between batches (a queued
signal would never reach a thread that is busy inside `fit`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from datasets.base import Cancelled, Dataset, DatasetError
from datasets.base import Progress as LoadProgress
from gui.threads import Worker
from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig
from models.training.progress import Progress
from models.training.trainer import Reporter, Trainer, TrainingResult

log = logging.getLogger(__name__)


class QtReporter(Reporter):
    """The Reporter side, living in the training thread."""

    def __init__(self, worker: TrainWorker) -> None:
        self.worker = worker

    def on_train_begin(self, info: dict[str, Any]) -> None:
        progress = self.worker.progress
        progress.epochs, progress.steps_per_epoch = info["epochs"], info["steps_per_epoch"]
        progress.started = time.monotonic()
        self.worker.began.emit(info)

    def on_batch(self, step: int, epoch: int, batch: int, logs: dict[str, float]) -> None:
        worker = self.worker
        progress = worker.progress
        progress.step, progress.epoch, progress.batch = step, epoch, batch
        elapsed = time.monotonic() - progress.started
        if elapsed > 0:
            progress.samples_per_second = step * worker.config.batch_size / elapsed
        with worker.lock:
            worker.pending_batches.append((step, time.monotonic(), logs))

    def on_health(self, step: int, health: dict[str, dict[str, float]]) -> None:
        with self.worker.lock:  # drained with the batches: never a signal per measurement
            self.worker.pending_health.append((step, health))

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        live = self.worker.live
        if live is not None:
            live.on_epoch_end(epoch)
        self.worker.epoch_done.emit(epoch, logs)

    def should_stop(self) -> bool:
        return self.worker.stop_event.is_set()

    def wait_if_paused(self) -> None:
        worker = self.worker
        if worker.running_event.is_set():
            return
        worker.paused.emit(worker.progress.step)
        paused_at = time.monotonic()
        try:
            while not worker.running_event.wait(0.1):
                if worker.stop_event.is_set():
                    return
                if worker.live is not None:  # an image pinned during the pause is shown now
                    worker.live.while_paused()
        finally:  # samples/s and the ETA count training time only
            worker.progress.started += time.monotonic() - paused_at

    def new_learning_rate(self) -> float | None:
        with self.worker.lock:
            rate, self.worker.pending_rate = self.worker.pending_rate, None
        return rate

    def on_message(self, text: str) -> None:
        self.worker.message.emit(text)

    def skip_evaluation(self) -> bool:
        return self.worker.closing

    def before_training(self, model: Any) -> None:
        live = self.worker.live
        if live is not None:
            live.before_training(model)

    def after_batch(self, model: Any, step: int) -> None:
        live = self.worker.live
        if live is not None:
            live.after_batch(model, step, self.worker.progress.epoch)
        for hook in list(self.worker.batch_hooks):
            hook(model, step)


class TrainWorker(Worker):
    """Signals (queued to the GUI thread): `began(info)`, `epoch_done(epoch, logs)`, `message(text)`,
    `paused(step)`, `done(TrainingResult)` (also for a run that failed: the result says why), and `failed(message)`
    only for an error outside the Trainer's own (then `result` stays None)."""

    began = Signal(object)
    epoch_done = Signal(int, object)
    message = Signal(str)
    paused = Signal(int)

    def __init__(self, spec: ModelSpec, config: TrainingConfig, dataset: Dataset | None,
                 dataset_choice: dict[str, Any], parent: QObject | None = None, model: Any = None,
                 start_from: Any = None) -> None:
        super().__init__("Training", parent, delete_when_finished=True)  # its model lives on in the session
        self.model = model  # an earlier run's trained model to continue from (a copy is trained), or None
        self.start_from = start_from  # pretrained weights a new model takes where its layers match (read only)
        self.spec = spec.copy()  # snapshots cross threads, never live objects
        self.config = TrainingConfig.from_dict(config.to_dict())
        self.dataset = dataset
        self.dataset_choice = dict(dataset_choice)
        self.lock = threading.Lock()
        self.pending_batches: list[tuple[int, float, dict[str, float]]] = []
        self.pending_health: list[tuple[int, dict[str, dict[str, float]]]] = []
        self.pending_rate: float | None = None
        self.stop_event = threading.Event()
        self.closing = False  # stopping because the window or project closes: skip evaluation and saving
        self.running_event = threading.Event()
        self.running_event.set()
        self.progress = Progress()
        self.batch_hooks: list = []  # callables (model, step) run in this thread between batches
        self.live = None  # a LiveInspection (models/inspection/live.py) fed between batches, if any
        self.result: TrainingResult | None = None

    # ----- called from the GUI thread ------------------------------------------------------------------------
    def take_batches(self) -> list[tuple[int, float, dict[str, float]]]:
        with self.lock:
            batches, self.pending_batches = self.pending_batches, []
        return batches

    def take_health(self) -> list[tuple[int, dict[str, dict[str, float]]]]:
        with self.lock:
            health, self.pending_health = self.pending_health, []
        return health

    def pause(self) -> None:
        self.running_event.clear()

    def resume(self) -> None:
        self.running_event.set()

    def is_paused(self) -> bool:
        return not self.running_event.is_set()

    def set_learning_rate(self, rate: float) -> None:
        with self.lock:
            self.pending_rate = float(rate)

    def request_stop(self) -> None:
        """Stop within one batch (also from a pause)."""
        self.stop_event.set()
        self.running_event.set()
        super().request_stop()

    # ----- the training thread --------------------------------------------------------------------------------
    def work(self) -> TrainingResult:
        try:
            dataset = self.dataset
            if dataset is None:
                from datasets.registry import load_dataset

                self.message.emit(f"Loading data ({self.dataset_choice.get('source')})…")
                dataset = load_dataset(self.dataset_choice, LoadProgress(is_cancelled=self.stop_event.is_set))
            model = None
            if self.model is not None:  # continue on a copy: the earlier run keeps its own model
                from models.building.export import copy_model

                self.message.emit("Copying the trained model to continue from it…")
                model = copy_model(self.model)
            self.result = Trainer(self.spec, dataset, self.config, QtReporter(self), model=model,
                                  start_from=self.start_from).run()
        except DatasetError as error:
            self.result = TrainingResult(stopped="error", error=str(error))
        except Cancelled:
            self.result = TrainingResult(stopped="stopped")
        return self.result

    def failure_message(self, error: BaseException) -> str:
        return f"Training failed: {error}"
