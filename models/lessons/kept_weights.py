"""A Reporter that keeps one layer's weights as they were before the first step, and passes everything else on:
the "initial" a lesson measures the trained weights against."""

from __future__ import annotations

from typing import Any

import numpy as np

from models.training.trainer import Reporter


class KeepInitialWeights(Reporter):
    """`initial`: the weights of layer `layer_id` (or, with None, of the whole model) before the first step."""

    def __init__(self, inner: Reporter, layer_id: str | None = None) -> None:
        self.inner, self.layer_id = inner, layer_id
        self.initial: list[np.ndarray] | None = None

    def before_training(self, model: Any) -> None:
        weights = model.get_weights() if self.layer_id is None else model.get_layer(self.layer_id).get_weights()
        self.initial = [np.array(weight) for weight in weights]
        self.inner.before_training(model)

    def on_train_begin(self, info: dict[str, Any]) -> None:
        self.inner.on_train_begin(info)

    def on_batch(self, step: int, epoch: int, batch: int, logs: dict[str, float]) -> None:
        self.inner.on_batch(step, epoch, batch, logs)

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        self.inner.on_epoch(epoch, logs)

    def should_stop(self) -> bool:
        return self.inner.should_stop()

    def wait_if_paused(self) -> None:
        self.inner.wait_if_paused()

    def new_learning_rate(self) -> float | None:
        return self.inner.new_learning_rate()

    def on_message(self, text: str) -> None:
        self.inner.on_message(text)

    def after_batch(self, model: Any, step: int) -> None:
        self.inner.after_batch(model, step)

    def skip_evaluation(self) -> bool:
        return self.inner.skip_evaluation()
