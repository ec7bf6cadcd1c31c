"""Live feature maps during training, computed in the training thread between batches.

The thread that trains owns the Keras model, so the pinned input's activations are computed there: a
`Probe` of the training model is built once at the first refresh and then called every N steps or S
seconds (it shares the model's variables, so it shows the current weights). Each refresh hands a
`LiveSnapshot` of plain numpy copies to `deliver`, which the GUI turns into a queued signal; one snapshot per
epoch end is marked for replay. The cost is one small forward pass per refresh (bench/inspection.py).

Each epoch-end snapshot also carries the model's weights (up to `MAX_REPLAY_PARAMS`), even when no input is
pinned, so an epoch can be replayed for an input pinned later: the inspection worker runs a replica of the
model with that epoch's weights.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from models.inspection.boundary import Boundary, decision_boundary, model_predictor, takes_plane
from models.inspection.filters import conv_kernels
from models.inspection.probe import InspectionError, Probe

log = logging.getLogger(__name__)

MAX_KERNEL_VALUES = 500_000  # kernels copied per refresh (filters live); bigger layers wait for the end
BEFORE_TRAINING = -1  # the epoch of the snapshot taken before the first step
MAX_REPLAY_PARAMS = 8_000_000  # weights kept per epoch for replay (32 MB as float32); bigger models keep none


@dataclass
class LiveSnapshot:
    """What one refresh saw: every layer's output (and attention scores), conv kernels, and for a model
    of the plane its decision boundary. `epoch_end` marks the snapshot kept for the epoch slider."""

    step: int
    epoch: int
    outputs: dict[str, np.ndarray]
    kernels: dict[str, np.ndarray] = field(default_factory=dict)
    boundary: Boundary | None = None
    epoch_end: bool = False
    layer_types: dict[str, str] = field(default_factory=dict)  # layer id -> Keras class, in model order
    weights: list[np.ndarray] | None = None  # the model's weights at an epoch end (None: too big, or mid-epoch)
    token: int = 0  # which pinned input `outputs` are of (LiveInspection.set_sample's token)

    def compact(self) -> LiveSnapshot:
        """A float16 copy of the drawings for keeping many epochs in memory (half the bytes; plenty for drawing);
        the weights stay exact, for computing the epoch's views again."""
        return replace(self, outputs={k: v.astype(np.float16) for k, v in self.outputs.items()},
                       kernels={k: v.astype(np.float16) for k, v in self.kernels.items()})

    def nbytes(self) -> int:
        arrays = [*self.outputs.values(), *self.kernels.values(), *(self.weights or [])]
        return sum(v.nbytes for v in arrays)


@dataclass
class LiveSettings:
    """How often to refresh: every `steps` steps when > 0, else every `seconds` seconds."""

    steps: int = 0
    seconds: float = 1.0


class LiveInspection:
    """Plugged into a Reporter: `after_batch(model, step, epoch)` and `on_epoch_end(epoch)` in the training
    thread; `set_sample` and `settings` may be changed from another thread (plain attribute swaps)."""

    def __init__(self, deliver: Callable[[LiveSnapshot], None], settings: LiveSettings | None = None,
                 plane_ranges: tuple[tuple[float, float], tuple[float, float]] | None = None) -> None:
        self.deliver = deliver
        self.settings = settings or LiveSettings()
        self.plane_ranges = plane_ranges
        self.sample: np.ndarray | None = None
        self.token = 0
        self.enabled = True
        self.watched = True  # False while nobody can see the live views: only epoch ends are captured
        self.failure = ""
        self._probe: Probe | None = None
        self._model: Any = None
        self._predict = None
        self._last_step = 0
        self._last_time = 0.0
        self._step = 0
        self._epoch = 0
        self._due_now = False

    def set_sample(self, sample: np.ndarray | None, token: int = 0) -> None:
        """The pinned input; `token` tells the snapshots of this input from those of the previous one."""
        self.sample, self.token = (None if sample is None else np.array(sample)), token
        self.failure = ""  # a new input gets a new chance
        self._last_time = 0.0
        self._due_now = True  # show the new input at the next step, whatever the schedule

    def watch(self, watched: bool) -> None:
        """The views were hidden or shown again. Hidden, the training thread skips the periodic refreshes (each
        costs it a few milliseconds) and keeps the epoch-end snapshots for the replay slider; shown again, the
        views catch up at the next step."""
        self.watched = watched
        if watched:
            self._due_now = True

    def after_batch(self, model: Any, step: int, epoch: int) -> None:
        self._model, self._step, self._epoch = model, step, epoch
        if not self.enabled or self.sample is None or not self.watched:
            return
        now = time.monotonic()
        settings = self.settings
        due = step - self._last_step >= settings.steps if settings.steps > 0 else \
            now - self._last_time >= settings.seconds
        if due or self._due_now:
            self._due_now = False
            self._last_step, self._last_time = step, now
            self._refresh(epoch_end=False)

    def while_paused(self) -> None:
        """Called from the training thread as it waits in a pause: a new input pinned (or the views shown again)
        meanwhile is shown with the paused model's weights, instead of only once training resumes."""
        if self._due_now and self.enabled and self.sample is not None and self.watched and self._model is not None:
            self._due_now = False
            self._refresh(epoch_end=False)

    def before_training(self, model: Any) -> None:
        """The model as built (or warm-started), before its first step: kept as epoch -1, the first position of
        the replay slider, so every view can show "before training" beside "now"."""
        self._model, self._step = model, 0
        self.on_epoch_end(BEFORE_TRAINING)

    def on_epoch_end(self, epoch: int) -> None:
        if self._model is None:
            return
        self._epoch = epoch
        if self.enabled and self.sample is not None:
            self._refresh(epoch_end=True)
            return
        weights = self._weights()  # nothing to draw, but the epoch can be replayed for an input pinned later
        if weights is not None:
            self.deliver(LiveSnapshot(self._step, epoch, {}, epoch_end=True, weights=weights, token=self.token))

    def _weights(self) -> list[np.ndarray] | None:
        model = self._model
        try:
            if model.count_params() > MAX_REPLAY_PARAMS:
                return None
            return [np.array(weight) for weight in model.get_weights()]
        except Exception:  # keeping weights for replay must never end a run
            log.exception("keeping the epoch's weights failed")
            return None

    def _refresh(self, epoch_end: bool) -> None:
        try:
            snapshot = self.capture(epoch_end)
        except InspectionError as error:  # e.g. the pinned image does not fit this model: say it once, stop
            self.enabled, self.failure = False, str(error)
            log.info("live inspection off: %s", error)
            return
        except Exception as error:  # a TensorFlow error (a token out of range, out of memory) must not end the run
            log.exception("live inspection failed")
            self.enabled, self.failure = False, f"the live view failed: {error}"
            return
        self.deliver(snapshot)

    def capture(self, epoch_end: bool = False) -> LiveSnapshot:
        model = self._model
        if self._probe is None or self._probe.model is not model:
            self._probe = Probe(model)
            self._predict = model_predictor(model) if self.plane_ranges and \
                takes_plane(model) else None
        outputs = self._probe(self.sample)
        kernels = conv_kernels(model, MAX_KERNEL_VALUES)
        boundary = None
        if self._predict is not None:
            boundary = decision_boundary(self._predict, *self.plane_ranges, resolution=64)
        return LiveSnapshot(self._step, self._epoch, outputs, kernels, boundary, epoch_end,
                            dict(self._probe.layer_types), self._weights() if epoch_end else None, self.token)
