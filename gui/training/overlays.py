"""Earlier runs drawn over the curves: each ticked run in its own colour, a repeat group as its mean with a
± std band, the legend naming the settings that set each apart."""

from __future__ import annotations

from gui.training.plots import TrainingPlots
from gui.training.runs_model import RunsTableModel
from gui.widgets.colors import SERIES
from models.training.repeats import mean_and_std
from models.training.run_table import run_name
from models.training.runs import differing_settings


def overlay_runs(plots: TrainingPlots, model: RunsTableModel, run_ids: list[str]) -> None:
    """The ticked runs' curves, each in its own colour, named with the settings that differ among them;
    a repeat group as the mean of its seeds with a band of ± one standard deviation."""
    plots.clear_overlays()
    shown = [(run_id, row) for run_id in run_ids if (row := model.row_of(run_id)) is not None]
    representatives = [model.record(row.members[0] if row.members else run_id) for run_id, row in shown]
    labels = differing_settings([r for r in representatives if r is not None])
    for number, ((run_id, row), record) in enumerate(zip(shown, representatives, strict=True)):
        if record is None:
            continue
        color, label = SERIES[(number + 3) % len(SERIES)], labels.get(record["id"], "")
        if row.members:
            histories = [model.record(member).get("history", {}) for member in row.members]
            seeds = f"mean ± std of {len(row.members)} seeds" + (f", {label}" if label else "")
            plots.overlay_band(run_id, mean_and_std(histories), color, seeds)
        else:
            plots.overlay(run_name(record), record.get("history", {}), color, label)
    plots.redraw()
