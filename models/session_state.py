"""What a working session holds beyond the project file: the data loaded for it and the model it trained last.

Qt-free, so the rule for reusing loaded data is tested without a window; `gui/session.py` wraps it with the
signals the panels listen to instead of listening to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasets.base import Dataset
from datasets.registry import resolve_options


@dataclass
class SessionState:
    dataset: Dataset | None = None
    loaded_choice: dict[str, Any] | None = None  # the dataset choice `dataset` was loaded from
    trained_model: Any = None  # a Keras model, the last one trained (or loaded from the project's last run)
    trained_fingerprint: str = ""  # the architecture trained_model was trained as

    def dataset_for(self, choice: dict[str, Any]) -> Dataset | None:
        """The loaded dataset if it was loaded from `choice` (defaults filled in on both sides), else None."""
        if self.dataset is None or self.loaded_choice is None:
            return None
        try:
            same = (choice.get("source") == self.loaded_choice["source"]
                    and resolve_options(choice["source"], choice.get("options"))
                    == resolve_options(self.loaded_choice["source"], self.loaded_choice.get("options")))
        except (ValueError, KeyError, TypeError):
            return None
        return self.dataset if same else None
