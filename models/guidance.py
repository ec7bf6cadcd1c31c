"""The next step, in one line, for someone who has not used Strata before: shown in the status bar and updated
as the model, the data and the training change (empty model -> add layers; a problem -> its Fix; data that does
not fit -> Adapt; no data -> choose it; ready -> Train; trained -> Inspect)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Situation:
    layers: int  # layers on the canvas
    errors: int  # validation errors (the data-fit one included)
    data_misfit: bool  # one of them says the loaded data does not fit the model
    data_chosen: bool  # the project names a dataset
    training: bool
    trained: bool  # a trained model of this architecture is at hand


def next_step(situation: Situation) -> str:
    if situation.training:
        return "Training: watch the curves in Train (Ctrl+3), or the maps live in Inspect (Ctrl+4)."
    if situation.layers == 0:
        return "Next: drag an Input from the Layers palette onto the canvas, or start from File ▸ New (a template)."
    if situation.data_misfit:
        return "Next: the data does not fit the model: click Fix on the marked card to adapt it."
    if situation.errors:
        return "Next: a layer is marked in red: hover it for the reason, click Fix to repair it."
    if not situation.data_chosen:
        return "Next: choose the data to learn from in the Data panel (Ctrl+2)."
    if not situation.trained:
        return "Next: press Start Training (F5)."
    return "Next: see what the layers learned in Inspect (Ctrl+4), or train further (Ctrl+F5)."
