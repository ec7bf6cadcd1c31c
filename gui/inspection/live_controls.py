"""The Inspection panel's live side as one widget: the "Live while training" switch, the refresh choice, the
epoch slider, the snapshots kept for replay, and the `LiveInspection` that feeds them during a run.

It owns its controls and its state and tells the panel only what to draw: `snapshot_chosen(snapshot, source)`
when a live snapshot arrives while the slider is at its latest position, or when the user replays an epoch
recorded for the pinned input; `epoch_requested()` when the replayed epoch was recorded for another input (or
none), so the panel computes it again from that epoch's weights (`chosen_epoch`); `latest_chosen()` when the
slider goes back to the model as it is now. A new pinned input therefore keeps every kept epoch.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSlider, QVBoxLayout, QWidget

from gui.widgets.slots import guarded
from models.inspection.live import BEFORE_TRAINING, LiveInspection, LiveSettings, LiveSnapshot

SNAPSHOT_BYTES = 256 * 2 ** 20  # epoch snapshots kept for replay; older ones are thinned out beyond this
REFRESH_CHOICES = [("every 0.5 s", LiveSettings(seconds=0.5)), ("every 1 s", LiveSettings(seconds=1.0)),
                   ("every 2 s", LiveSettings(seconds=2.0)), ("every 10 steps", LiveSettings(steps=10)),
                   ("every 100 steps", LiveSettings(steps=100)), ("at epoch ends only", LiveSettings(steps=10 ** 12))]
# Each live refresh costs the training a few milliseconds (the probe in the training thread, the drawing here):
# every 1 s kept training at 0.960 of plain Keras on 2 cores, every 0.5 s at 0.937 (bench/training.py's set-up,
# 6 paired runs each).
DEFAULT_REFRESH = "every 1 s"
NO_EPOCHS = "Each epoch is kept here for replay when an input is pinned while training"  # not "yet" after a run


class LiveControls(QWidget):
    """Signals: `snapshot_arrived(LiveSnapshot)` (emitted from the training thread, queued here),
    `snapshot_chosen(LiveSnapshot, str)` (what to draw and where it comes from), `message(str)`."""

    snapshot_arrived = Signal(object)
    snapshot_chosen = Signal(object, str)
    epoch_requested = Signal()
    latest_chosen = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshots: list[LiveSnapshot] = []
        self.live: LiveInspection | None = None
        self.token = 0  # counts pinned inputs: a kept snapshot's outputs are of the input with its token
        self.live_check = QCheckBox("Live while training")
        self.live_check.setChecked(True)
        self.live_check.toggled.connect(self._settings_changed)
        self.refresh_combo = QComboBox()
        for text, _settings in REFRESH_CHOICES:
            self.refresh_combo.addItem(text)
        self.refresh_combo.setCurrentIndex(self.refresh_combo.findText(DEFAULT_REFRESH))
        self.refresh_combo.currentIndexChanged.connect(self._settings_changed)
        self.epoch_label = QLabel(NO_EPOCHS)
        self.epoch_label.setWordWrap(True)
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal)
        self.epoch_slider.setRange(0, 0)
        self.epoch_slider.setEnabled(False)
        self.epoch_slider.valueChanged.connect(self._replay)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.live_check, self.refresh_combo, self.epoch_label, self.epoch_slider):
            layout.addWidget(widget)
        self.snapshot_arrived.connect(self._take_snapshot)

    # ----- a run ---------------------------------------------------------------------------------------------------
    def start(self, worker, sample, plane_ranges: tuple | None, shown: bool) -> None:
        """A run is starting: forget the previous run's epochs and give its worker a fresh `LiveInspection`."""
        self.clear()
        self.live = LiveInspection(self.snapshot_arrived.emit, self._settings(), plane_ranges)
        self.live.enabled = self.live_check.isChecked()
        if sample is not None:
            self.live.set_sample(sample, self.token)
        self.live.watch(shown)
        worker.live = self.live

    def finish(self) -> None:
        """The run ended: say if live views had to be switched off during it."""
        if self.live is not None and self.live.failure:
            self.message.emit(f"Live feature maps were off during the run: {self.live.failure}")
        self.live = None

    def drop_run(self) -> None:
        """The project was replaced: a run of the old one is ignored, and so are its snapshots."""
        self.live = None
        self.clear()

    def set_sample(self, sample) -> None:
        """A new input: live views follow it; the kept epochs stay, replayed for it from their weights."""
        self.token += 1
        if self.live is not None:
            self.live.set_sample(sample, self.token)
            self.live.enabled = self.live_check.isChecked()
        self._slider_text()

    def chosen_epoch(self) -> LiveSnapshot | None:
        """The epoch the slider replays when its weights were kept; None at the latest position."""
        value = self.epoch_slider.value()
        if value >= len(self.snapshots) or self.snapshots[value].weights is None:
            return None
        return self.snapshots[value]

    def watch(self, shown: bool) -> None:
        """Unseen, live refreshes stop costing the training thread; the epoch snapshots are still kept."""
        if self.live is not None:
            self.live.watch(shown)

    def drawing_live(self) -> bool:
        return self.live is not None and self.live.enabled

    def clear(self) -> None:
        self.snapshots = []
        self._update_slider()

    def keep_initial(self, weights: list) -> None:
        """A trained model opened with the weights it started from: the slider starts at "before training"
        (its views are computed from those weights for whatever input is pinned)."""
        self.snapshots = [LiveSnapshot(0, BEFORE_TRAINING, {}, epoch_end=True, weights=weights, token=-1)]
        self._update_slider()

    # ----- internals -----------------------------------------------------------------------------------------------
    def _settings(self) -> LiveSettings:
        return REFRESH_CHOICES[self.refresh_combo.currentIndex()][1]

    def _settings_changed(self, *_args) -> None:
        if self.live is not None:
            self.live.settings = self._settings()
            self.live.enabled = self.live_check.isChecked() and not self.live.failure

    @guarded
    def _take_snapshot(self, snapshot: LiveSnapshot) -> None:
        if self.live is None:
            return
        if snapshot.epoch_end:
            self._keep_snapshot(snapshot.compact())
        if self.epoch_slider.value() == self.epoch_slider.maximum() and self._drawable(snapshot):
            self.snapshot_chosen.emit(snapshot, f"live, step {snapshot.step}")

    def _drawable(self, snapshot: LiveSnapshot) -> bool:
        """Its drawings are of the input pinned now."""
        return bool(snapshot.outputs) and snapshot.token == self.token

    def _keep_snapshot(self, snapshot: LiveSnapshot) -> None:
        self.snapshots.append(snapshot)
        while sum(s.nbytes() for s in self.snapshots) > SNAPSHOT_BYTES and len(self.snapshots) > 2:
            del self.snapshots[1]  # thin out from the oldest, keeping the first and the latest
        self._update_slider()

    def _update_slider(self) -> None:
        at_latest = self.epoch_slider.value() == self.epoch_slider.maximum()
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setRange(0, len(self.snapshots))
        if at_latest:
            self.epoch_slider.setValue(len(self.snapshots))
        self.epoch_slider.blockSignals(False)
        self.epoch_slider.setEnabled(bool(self.snapshots))
        self._slider_text()

    def _slider_text(self) -> None:
        value = self.epoch_slider.value()
        if not self.snapshots:
            self.epoch_label.setText(NO_EPOCHS)
        elif value >= len(self.snapshots):
            epochs = sum(s.epoch != BEFORE_TRAINING for s in self.snapshots)
            start = " and the start" if any(s.epoch == BEFORE_TRAINING for s in self.snapshots) else ""
            if epochs == 0:  # a project opened with its run's starting weights
                self.epoch_label.setText("Latest (slide left: the weights before training)")
            else:
                self.epoch_label.setText(f"Latest ({epochs} epoch{'s' * (epochs != 1)}{start} recorded)")
        else:
            self.epoch_label.setText(epoch_text(self.snapshots[value]).capitalize()
                                     + f" (step {self.snapshots[value].step})")

    @guarded
    def _replay(self, value: int) -> None:
        self._slider_text()
        if not self.snapshots:
            return
        last = self.snapshots[-1]
        if value >= len(self.snapshots) and not (self.live is not None and self._drawable(last)):
            self.latest_chosen.emit()  # the model as it is now, computed for the input pinned now
            return
        snapshot = self.snapshots[min(value, len(self.snapshots) - 1)]
        if self._drawable(snapshot):
            self.snapshot_chosen.emit(snapshot, epoch_text(snapshot))
        elif snapshot.weights is not None:
            self.epoch_requested.emit()
        else:
            self.message.emit(f"{epoch_text(snapshot).capitalize()} was recorded for another input, and the model "
                              "is too large to keep its weights for every epoch: pin that input again to replay it.")

    def _slot_failed(self, message: str) -> None:
        self.message.emit(message)


def epoch_text(snapshot: LiveSnapshot) -> str:
    """"before training (initial weights)" for the first snapshot, "after epoch 3" for the others."""
    if snapshot.epoch == BEFORE_TRAINING:
        return "before training (initial weights)"
    return f"after epoch {snapshot.epoch + 1}"
