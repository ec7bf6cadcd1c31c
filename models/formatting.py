"""Numbers and shapes as Strata shows them, one way everywhere (cards, Summary, Inspection, the CLI)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def count_text(value: int | float) -> str:
    """1234 -> '1.2 K', 2_500_000 -> '2.5 M': short where space is; the Summary table has the exact digits."""
    for scale, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.1f} {suffix}"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def bytes_text(size: float, digits: int = 2) -> str:
    """Binary units like Keras's summary ("4.82 KB" for 1,234 float32 weights)."""
    if size < 1024:
        return f"{int(size)} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024:
            return f"{size:.{digits}f} {unit}"
    return f"{size / 1024:.{digits}f} TB"


def dims_text(shape: Sequence[int | None]) -> str:
    """An array's or image's size as people write it: 28x28x1 ('any' for an open axis, 'a scalar' for none)."""
    return "x".join("any" if d is None else str(d) for d in shape) or "a scalar"


def values_text(values: np.ndarray, limit: int = 32) -> str:
    """A short sample (a point, a token sequence) as numbers: "(0.5, -1.2, …)", at most `limit` of them."""
    flat = np.asarray(values).ravel()
    shown = [f"{v:.3g}" if flat.dtype.kind == "f" else str(int(v)) for v in flat[:limit]]
    return "(" + ", ".join(shown) + (", …" if flat.size > limit else "") + ")"


def duration_text(seconds: float) -> str:
    """"4:05" under an hour, "2h07" beyond."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}"
