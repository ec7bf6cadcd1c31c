"""The Inspection panel's live side: the training thread's snapshots while a run goes on (drawn only when the
panel can be seen), the epoch snapshots kept for the replay slider, and the refresh schedule."""

from __future__ import annotations

import logging

from PySide6.QtGui import QHideEvent

from gui.inspection.data import ViewData
from gui.widgets.slots import guarded
from gui.widgets.visibility import on_screen
from models.live_inspection import LiveInspection, LiveSettings, LiveSnapshot

log = logging.getLogger(__name__)

SNAPSHOT_BYTES = 256 * 2 ** 20  # epoch snapshots kept for replay; older ones are thinned out beyond this
REFRESH_CHOICES = [("every 0.5 s", LiveSettings(seconds=0.5)), ("every 1 s", LiveSettings(seconds=1.0)),
                   ("every 2 s", LiveSettings(seconds=2.0)), ("every 10 steps", LiveSettings(steps=10)),
                   ("every 100 steps", LiveSettings(steps=100)), ("at epoch ends only", LiveSettings(steps=10 ** 12))]
# Each live refresh costs the training a few milliseconds (the probe in the training thread, the drawing here):
# every 1 s kept training at 0.960 of plain Keras on 2 cores, every 0.5 s at 0.937 (bench/training.py's set-up,
# 6 paired runs each).
DEFAULT_REFRESH = "every 1 s"


class LiveViewsMixin:
    """Mixed into `InspectionPanel`, whose widgets (refresh combo, live check, epoch slider and label) and views
    it drives."""

    def _on_run_starting(self, worker) -> None:
        self.snapshots = []
        self._update_slider()
        self.live = LiveInspection(self.live_snapshot.emit, REFRESH_CHOICES[self.refresh_combo.currentIndex()][1],
                                   self._plane_ranges())
        self.live.enabled = self.live_check.isChecked()
        if self.input is not None:
            self.live.set_sample(self.input.sample)
        self.live.watch(on_screen(self))
        worker.live = self.live

    def set_on_screen(self, shown: bool) -> None:
        """The panel was shown, or hidden or tabbed away (the main window connects its dock's
        `visibilityChanged`). Unseen, live refreshes stop costing the training thread; the epoch snapshots are
        still kept. Seen again, the views draw what arrived meanwhile and live refreshes resume."""
        if self.live is not None:
            self.live.watch(shown)
        if shown:
            try:
                self._render()
            except Exception:  # never into Qt's event loop
                log.exception("drawing the inspection view failed")

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.set_on_screen(False)

    def _live_settings_changed(self, *_args) -> None:
        if self.live is not None:
            self.live.settings = REFRESH_CHOICES[self.refresh_combo.currentIndex()][1]
            self.live.enabled = self.live_check.isChecked() and not self.live.failure

    def _on_live_snapshot(self, snapshot: LiveSnapshot) -> None:
        self._take_snapshot(snapshot)
        self.updated.emit()

    @guarded
    def _take_snapshot(self, snapshot: LiveSnapshot) -> None:
        if self.live is None:
            return
        if snapshot.epoch_end:
            self._keep_snapshot(snapshot.compact())
        at_latest = self.epoch_slider.value() == self.epoch_slider.maximum()
        if at_latest:
            self._show_snapshot(snapshot, f"live, step {snapshot.step}")

    def _show_snapshot(self, snapshot: LiveSnapshot, source: str) -> None:
        previous = self.data
        self.data = ViewData(self.input, snapshot.outputs, snapshot.layer_types, snapshot.kernels,
                             [k for k in snapshot.layer_types if k + "/scores" in snapshot.outputs],
                             previous.cam, previous.cam_layer, previous.cam_layers, previous.predicted_class,
                             previous.saliency, snapshot.boundary or previous.boundary, self._points(),
                             self._class_names(), previous.unavailable, source=source, task=self._task())
        self.model_label.setText(f"Showing the model in training ({source})")
        if on_screen(self):
            self._render()

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
            self.epoch_label.setText("No epochs recorded yet")
        elif value >= len(self.snapshots):
            self.epoch_label.setText(f"Latest ({len(self.snapshots)} epochs recorded)")
        else:
            self.epoch_label.setText(f"After epoch {self.snapshots[value].epoch + 1} "
                                     f"(step {self.snapshots[value].step})")

    @guarded
    def _replay(self, value: int) -> None:
        self._slider_text()
        if value < len(self.snapshots):
            snapshot = self.snapshots[value]
            self._show_snapshot(snapshot, f"after epoch {snapshot.epoch + 1}")
        elif self.snapshots:
            self._show_snapshot(self.snapshots[-1], f"after epoch {self.snapshots[-1].epoch + 1}")

    def _on_run_finished(self, _result) -> None:
        if self.live is not None and self.live.failure:
            self.message.emit(f"Live feature maps were off during the run: {self.live.failure}")
        self.live = None

