"""TensorFlow and Keras failures said in plain words, naming the layer and the shapes.

TensorFlow's own message starts with "Graph execution error:" and puts the cause several lines later,
inside a dump of the graph node ("... [[{{node functional_1/dense_2/MatMul}}]]"). The raw text is for the
log; the user reads one sentence that says what is wrong and what to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LABEL = re.compile(r"Received a label value of (-?\d+) which is outside the valid range of \[0, (\d+)\)")
_SHAPES = re.compile(r"Incompatible shapes: \[([\d,\s]*)\] vs\. \[([\d,\s]*)\]")
_INPUT = re.compile(r"expected shape=\(([^)]*)\), found shape=\(([^)]*)\)")
_OOM = re.compile(r"OOM when allocating tensor with shape\s*\[?([\d,\s]*)\]?")
_DTYPE = re.compile(r"expected to be a (\w+) tensor but is a (\w+) tensor")
_NODE = re.compile(r"\{\{node ([^}]+)\}\}")


def _layer(text: str, layer_ids: Iterable[str]) -> str:
    """The model layer a graph node belongs to (its path holds the layer's name), or ''."""
    known = set(layer_ids)
    for node in _NODE.findall(text):
        for part in node.split("/"):
            if part in known:
                return part
    return ""


def _shape(text: str) -> str:
    dims = [d.strip() for d in text.split(",") if d.strip()]
    return "(" + ", ".join("batch" if d == "None" else d for d in dims) + ")"


def plain_training_error(error: BaseException, layer_ids: Iterable[str] = (), batch_size: int = 0) -> str:
    """One plain sentence (or two) for a failure inside `fit`."""
    text = str(error)
    name = type(error).__name__
    layer = _layer(text, layer_ids)
    at = f" at layer '{layer}'" if layer else ""
    if match := _LABEL.search(text):
        value, units = match.groups()
        return (f"A label in the data ({value}) is outside the {units} output units of the model: the data has more "
                f"classes than the last layer outputs. Set its units to the number of classes (the Fix on the "
                "output layer, or the Data panel's Adapt, does it).")
    if "ResourceExhausted" in name or (match := _OOM.search(text)) or "out of memory" in text.lower():
        smaller = f" (try {max(1, batch_size // 2)} instead of {batch_size})" if batch_size > 1 else ""
        return (f"Training ran out of memory{at}. Lower the batch size{smaller}, use a smaller model or smaller "
                "images, or train on a machine with more memory.")
    if match := _INPUT.search(text):
        expected, found = match.groups()
        return (f"The data does not fit the model: its Input takes samples of {_shape(expected)}, but the data "
                f"gives {_shape(found)}. Set the Input's shape to the data's (Adapt does it).")
    if match := _SHAPES.search(text):
        first, second = match.groups()
        return (f"The data does not fit the model{at}: shapes [{first}] and [{second}] met where they must be "
                "equal. Check that the output layer has one unit per class and that the loss suits the labels "
                "(the Data panel's fit check says which).")
    if match := _DTYPE.search(text):
        wanted, got = match.groups()
        return (f"The data's type does not match the model{at}: it computes with {wanted} but got {got}. Set the "
                f"Input's dtype to {got} (token ids) or convert the data to {wanted}.")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    useful = next((line for line in lines if not line.startswith("Graph execution error")), name)
    return f"Training failed{at}: {name}: {useful[:300]} (the full message is in the log)"
