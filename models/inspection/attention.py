"""Attention maps: each head's weights, the rollout over layers (Abnar & Zuidema, 2020), and patches of an image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.inspection.probe import SCORES_SUFFIX, InspectionError, Probe


def attention_layer_ids(probe: Probe) -> list[str]:
    return [layer_id for layer_id in probe.layer_ids if layer_id + SCORES_SUFFIX in probe.output_keys]


def attention_scores(outputs: dict[str, np.ndarray], layer_id: str) -> np.ndarray:
    """(heads, queries, keys) softmax weights; `Attention` layers (no heads) get a head axis of one."""
    scores = outputs.get(layer_id + SCORES_SUFFIX)
    if scores is None:
        raise InspectionError(f"{layer_id} is not an attention layer")
    return scores[None] if scores.ndim == 2 else scores


def attention_rollout(score_list: list[np.ndarray], residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020): average the heads, mix in the residual path, renormalise the
    rows, and multiply the layers in order, so row i says how much each input token reaches output token i."""
    if not score_list:
        raise InspectionError("the model has no attention layers to roll out")
    result = None
    for scores in score_list:
        mean = scores.mean(axis=0)
        if mean.shape[0] != mean.shape[1]:
            raise InspectionError("rollout needs self-attention (as many queries as keys) in every layer")
        mixed = residual * np.eye(len(mean), dtype=np.float32) + (1 - residual) * mean
        mixed /= mixed.sum(axis=-1, keepdims=True)
        if result is not None and result.shape != mixed.shape:
            raise InspectionError("rollout needs the same number of tokens in every attention layer")
        result = mixed if result is None else mixed @ result
    return result


@dataclass
class PatchGrid:
    """How tokens map onto the image: `rows` x `cols` patches, after `offset` leading tokens (e.g. a class token)."""

    rows: int
    cols: int
    offset: int = 0

    def patch_at(self, x01: float, y01: float) -> int:
        """Token index of the patch under a point given in 0..1 image coordinates."""
        col = min(self.cols - 1, max(0, int(x01 * self.cols)))
        row = min(self.rows - 1, max(0, int(y01 * self.rows)))
        return self.offset + row * self.cols + col

    def rect01(self, token: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of a token's patch in 0..1 image coordinates."""
        row, col = divmod(token - self.offset, self.cols)
        return col / self.cols, row / self.rows, 1 / self.cols, 1 / self.rows


def patch_grid(tokens: int, image_height: int, image_width: int) -> PatchGrid | None:
    """The patch layout of an image model's token sequence, or None when the tokens are not image patches."""
    for offset in (0, 1):
        count = tokens - offset
        for rows in range(1, count + 1):
            if count % rows:
                continue
            cols = count // rows
            if rows * image_width == cols * image_height or (rows == cols and image_height == image_width):
                return PatchGrid(rows, cols, offset)
    return None


def patch_attention(matrix: np.ndarray, grid: PatchGrid, token: int) -> np.ndarray:
    """The attention of one query patch over all patches, as a (rows, cols) map scaled to 0..1."""
    row = matrix[token, grid.offset:grid.offset + grid.rows * grid.cols].reshape(grid.rows, grid.cols)
    top = row.max()
    return row / top if top > 0 else row


def average_attention(probe: Probe, samples: np.ndarray, layer_id: str, batch_size: int = 256) -> np.ndarray:
    """(heads, queries, keys) weights of `layer_id` averaged over `samples`, from batched forward passes."""
    total, count = None, 0
    for start in range(0, len(samples), batch_size):
        scores = probe.batch(samples[start:start + batch_size]).get(layer_id + SCORES_SUFFIX)
        if scores is None:
            raise InspectionError(f"{layer_id} is not an attention layer")
        scores = scores[:, None] if scores.ndim == 3 else scores  # (samples, heads, queries, keys)
        part = scores.astype(np.float64).sum(axis=0)
        total = part if total is None else total + part
        count += len(scores)
    if total is None:
        raise InspectionError("no samples to average over")
    return total / count


def attention_by_distance(matrix: np.ndarray) -> np.ndarray:
    """Mean weight a query gives a key `d` tokens away, for d = 0 .. length-1 (heads and queries averaged): is
    attention local, or does it reach far?"""
    matrix = np.asarray(matrix, dtype=np.float64)
    matrix = matrix.mean(axis=0) if matrix.ndim == 3 else matrix
    queries, keys = matrix.shape
    distance = np.abs(np.arange(queries)[:, None] - np.arange(keys)[None, :])
    return np.array([matrix[distance == d].mean() for d in range(max(queries, keys)) if (distance == d).any()])
