"""The training half of an exported model file: `train()` compiles and fits with the project's settings (the
Training panel's optimizer, rate and schedule, loss, metrics, batch size and epochs), and the main block says
which data the project trained on and where to supply it."""

from __future__ import annotations

import json
from typing import Any

from models.graph.spec import ModelSpec
from models.training.config import TrainingConfig


def guessed_loss(spec: ModelSpec) -> str:
    """What "auto" becomes for this model without its data: a softmax output takes integer class labels, one
    sigmoid unit two classes, several sigmoid units several labels each; any other output a regression."""
    outputs = [spec.nodes[node_id].effective_params() for node_id in spec.output_ids()]
    activation = outputs[0].get("activation") if len(outputs) == 1 else None
    if activation == "softmax":
        return "sparse_categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mean_squared_error"


def training_lines(spec: ModelSpec, training: dict[str, Any] | None, dataset: dict[str, Any] | None) -> list[str]:
    """Source lines of `train()` and of the main block."""
    config = TrainingConfig.or_defaults(training)
    loss = guessed_loss(spec) if config.loss == "auto" else config.loss
    metrics = [m for m in config.metrics if not (m == "accuracy" and loss == "mean_squared_error")]
    name, arguments = config.optimizer_arguments()
    optimizer = f"{name}({', '.join(['learning_rate', *(f'{k}={v!r}' for k, v in arguments.items())])})"
    lines = [
        "",
        "",
        "def train(model: keras.Model, x_train, y_train, validation_data=None) -> keras.callbacks.History:",
        '    """Compile and fit with the project\'s training settings."""',
        f"    learning_rate = {config.learning_rate!r}",
    ]
    if config.schedule == "cosine":
        lines += [f"    steps = {config.epochs} * math.ceil(len(x_train) / {config.batch_size})",
                  "    learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)"]
    elif config.schedule == "step":
        lines += [f"    steps = {config.epochs} * math.ceil(len(x_train) / {config.batch_size})",
                  "    learning_rate = keras.optimizers.schedules.PiecewiseConstantDecay(",
                  "        [steps // 4, steps // 2, 3 * steps // 4],",
                  "        [learning_rate, learning_rate / 2, learning_rate / 4, learning_rate / 8])"]
    callbacks = (f"[keras.callbacks.EarlyStopping(patience={config.patience}, restore_best_weights=True)]"
                 if config.early_stopping else "None")
    lines += [
        f'    model.compile(optimizer=keras.optimizers.{optimizer}, loss="{loss}", metrics={metrics!r})',
        f"    return model.fit(x_train, y_train, batch_size={config.batch_size}, epochs={config.epochs}, "
        f"shuffle={config.shuffle}, validation_data=validation_data, callbacks={callbacks})",
        "",
        "",
        'if __name__ == "__main__":',
        "    model = build_model()",
        "    model.summary()",
        f"    # The project trained on: {_describe(dataset)}.",
        "    # Supply arrays shaped like the model's input and its labels, then:",
        "    # history = train(model, x_train, y_train, validation_data=(x_val, y_val))",
        "",
    ]
    return lines


def _describe(dataset: dict[str, Any] | None) -> str:
    if not dataset or not dataset.get("source"):
        return "no dataset chosen yet"
    options = dataset.get("options") or {}
    return f"{dataset['source']} {json.dumps(options)}" if options else str(dataset["source"])
