"""What excites a channel most over a dataset (Zeiler & Fergus, 2014): the k strongest units of each channel of a
conv layer over many samples, each with the input patch its theoretical receptive field covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.inspection.probe import single_input
from models.inspection.receptive_field import Box, theoretical_field


@dataclass(frozen=True)
class TopPatch:
    sample: int  # index into the samples given
    row: int
    column: int
    value: float  # the unit's activation
    box: Box  # the input pixels it can see
    patch: np.ndarray  # those pixels, (height, width, channels)


def layer_activations(model: Any, layer_name: str, samples: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """`layer_name`'s output for every sample, from batched forward passes (never one sample at a time)."""
    import keras

    probe = keras.Model(single_input(model), model.get_layer(layer_name).output)
    parts = [np.asarray(probe(np.asarray(samples[start:start + batch_size], dtype=np.float32), training=False))
             for start in range(0, len(samples), batch_size)]
    return np.concatenate(parts)


def top_patches(model: Any, layer_name: str, samples: np.ndarray, k: int = 9, channels: list[int] | None = None,
                batch_size: int = 128, activations: np.ndarray | None = None) -> dict[int, list[TopPatch]]:
    """{channel: its k strongest units over `samples`, strongest first} for a layer with a (rows, columns,
    channels) output. A unit's patch is the input its theoretical receptive field covers (clipped at the border)."""
    maps = layer_activations(model, layer_name, samples, batch_size) if activations is None else activations
    if maps.ndim != 4:
        raise ValueError(f"{layer_name} has no spatial map (its output is {maps.shape[1:]}): top patches need one")
    count, rows, columns, depth = maps.shape
    chosen = list(range(depth)) if channels is None else list(channels)
    flat = maps.reshape(count * rows * columns, depth)
    k = min(k, len(flat))
    found: dict[int, list[TopPatch]] = {}
    boxes: dict[tuple[int, int], Box] = {}
    for channel in chosen:
        column_values = flat[:, channel]
        best = np.argpartition(-column_values, k - 1)[:k]
        best = best[np.argsort(-column_values[best])]
        patches = []
        for index in best:
            sample, rest = divmod(int(index), rows * columns)
            row, column = divmod(rest, columns)
            if (row, column) not in boxes:
                boxes[(row, column)] = theoretical_field(model, layer_name, row, column)
            box = boxes[(row, column)]
            patch = np.asarray(samples[sample])[box.top:box.bottom + 1, box.left:box.right + 1]
            patches.append(TopPatch(sample, row, column, float(column_values[index]), box, patch))
        found[channel] = patches
    return found
