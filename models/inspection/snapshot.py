"""What the Inspection panel draws: plain numbers for one input at one moment, made by the inspection worker,
by the training thread (live) or from a kept epoch snapshot, and read by every tab."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.inspection.inputs import LoadedInput
from models.inspection.probe import Activation


@dataclass
class ViewData:
    """Everything the tabs draw, for one input at one moment (static, live, or a replayed epoch)."""

    input: LoadedInput | None = None
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    layer_types: dict[str, str] = field(default_factory=dict)  # in model order
    kernels: dict[str, np.ndarray] = field(default_factory=dict)
    attention_ids: list[str] = field(default_factory=list)
    cam: np.ndarray | None = None
    cam_layer: str = ""
    cam_layers: list[str] = field(default_factory=list)
    predicted_class: int | None = None
    saliency: np.ndarray | None = None
    boundary: Any = None
    points: tuple[np.ndarray, np.ndarray] | None = None
    class_names: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    source: str = ""
    task: str = ""  # the loaded dataset's: "classification" | "regression" | "" (not loaded)

    def layer_ids(self) -> list[str]:
        return [layer_id for layer_id in self.layer_types if layer_id in self.outputs]

    def activation(self, layer_id: str) -> Activation | None:
        if layer_id not in self.outputs:
            return None
        return Activation(layer_id, self.layer_types.get(layer_id, ""),
                          np.asarray(self.outputs[layer_id], dtype=np.float32))

    def final_output(self) -> np.ndarray | None:
        ids = self.layer_ids()
        return np.asarray(self.outputs[ids[-1]], dtype=np.float32) if ids else None
