"""Datasets Strata makes itself, offline and deterministic by seed: Shapes, Sequences and 2-D toy sets.

- Shapes: small images of circles, squares, triangles, stars and lines, where a small CNN learns
  edge-like first-layer filters;
- Sequences: token sequences whose label depends on the *order* of two tokens far apart (a marker and
  its partner). A bag of tokens cannot solve it (the same tokens occur either way), but per-token features
  that include the position, averaged, can (about 0.95): attention links the two directly;
- Lookup: key-value items and a question naming one key; the answer is that key's value. Only a model that
  relates a token to another by content solves it: an average of per-token features is at chance;
- 2-D toy sets: spirals, moons, circles, XOR and blobs for dense nets and decision boundaries.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from datasets.base import Dataset, DatasetError, Preprocessing, Progress, array_info, split_off_validation

SHAPE_CLASSES = ("circle", "square", "triangle", "star", "line")


def _polygon(center: tuple[float, float], radius: float, corners: int, angle: float,
             inner: float | None = None) -> list[tuple[float, float]]:
    """Corners of a regular polygon (or a star when `inner` gives the inner radius ratio)."""
    points = []
    steps = corners * 2 if inner else corners
    for i in range(steps):
        r = radius * (inner if inner and i % 2 else 1.0)
        a = angle + 2 * math.pi * i / steps
        points.append((center[0] + r * math.cos(a), center[1] + r * math.sin(a)))
    return points


def draw_shape(kind: str, size: int, rng: np.random.Generator, color: bool, rotation: bool,
               scale_range: tuple[float, float]) -> np.ndarray:
    """One uint8 image (size, size, 3) of `kind` at a random place, size and angle."""
    background = tuple(int(v) for v in rng.integers(0, 60, 3)) if color else (0, 0, 0)
    foreground = tuple(int(v) for v in rng.integers(120, 256, 3)) if color else (255, 255, 255)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    radius = size * rng.uniform(*scale_range) / 2
    margin = min(radius + 1, size / 2)  # a large shape in a small image still fits: centred
    center = (rng.uniform(margin, size - margin), rng.uniform(margin, size - margin))
    angle = rng.uniform(0, 2 * math.pi) if rotation else -math.pi / 2
    if kind == "circle":
        draw.ellipse([center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius],
                     fill=foreground)
    elif kind == "square":
        draw.polygon(_polygon(center, radius, 4, angle + math.pi / 4), fill=foreground)
    elif kind == "triangle":
        draw.polygon(_polygon(center, radius, 3, angle), fill=foreground)
    elif kind == "star":
        draw.polygon(_polygon(center, radius, 5, angle, inner=0.45), fill=foreground)
    else:  # line
        dx, dy = radius * math.cos(angle), radius * math.sin(angle)
        draw.line([center[0] - dx, center[1] - dy, center[0] + dx, center[1] + dy], fill=foreground,
                  width=max(1, size // 14))
    return np.asarray(image)


def load_shapes(size: int = 28, color: bool = False, count_per_class: int = 300, noise: float = 0.05,
                rotation: bool = True, min_scale: float = 0.4, max_scale: float = 0.9,
                validation_split: float = 0.2, seed: int = 0, progress: Progress | None = None) -> Dataset:
    if not 8 <= size <= 128:
        raise DatasetError(f"size must be between 8 and 128 pixels, got {size}")
    if not 0 < min_scale <= max_scale <= 1:
        raise DatasetError("scales must satisfy 0 < min_scale <= max_scale <= 1")
    progress = progress or Progress()
    rng = np.random.default_rng(seed)
    total = count_per_class * len(SHAPE_CLASSES)
    images = np.empty((total, size, size, 3), dtype=np.uint8)
    labels = np.repeat(np.arange(len(SHAPE_CLASSES)), count_per_class)
    for index, label in enumerate(labels):
        images[index] = draw_shape(SHAPE_CLASSES[label], size, rng, color, rotation, (min_scale, max_scale))
        if index % 200 == 0:
            progress.step(index, total, "drawing shapes")
    x = images.astype(np.float32) / 255.0
    if noise > 0:
        x = np.clip(x + rng.normal(0, noise, x.shape).astype(np.float32), 0.0, 1.0)
    if not color:
        x = x[..., :1]
    train, validation = split_off_validation(x, labels.astype(np.int64), validation_split, seed)
    info = array_info("Shapes", train.x, train.y, list(SHAPE_CLASSES), {"train": train, "validation": validation},
                      Preprocessing(resize=(size, size), channels=3 if color else 1, rescale=1 / 255),
                      f"{count_per_class} generated images per shape, {size}x{size}, "
                      f"{'colour' if color else 'gray'}, seed {seed}")
    return Dataset(info, train, validation)


# ----- sequences -----------------------------------------------------------------------------------------
MARKER, PARTNER = 1, 2  # token 0 is never used, so it can mean padding in a user's own variant


def load_sequences(length: int = 24, vocabulary: int = 16, count: int = 2000, validation_split: float = 0.2,
                   seed: int = 0, progress: Progress | None = None) -> Dataset:
    """Label 1 when the partner token comes after the marker, 0 when before. Both always occur once, so
    which tokens are present says nothing: only their order, often many steps apart, decides."""
    if length < 4:
        raise DatasetError(f"length must be at least 4, got {length}")
    if vocabulary < 4:
        raise DatasetError(f"vocabulary must be at least 4 tokens, got {vocabulary}")
    rng = np.random.default_rng(seed)
    x = rng.integers(3, vocabulary, size=(count, length)).astype(np.int32)
    y = rng.integers(0, 2, size=count).astype(np.int64)
    for row in range(count):
        first, second = sorted(rng.choice(length, size=2, replace=False))
        x[row, first], x[row, second] = (MARKER, PARTNER) if y[row] else (PARTNER, MARKER)
    (progress or Progress()).step(count, count, "sequences ready")
    train, validation = split_off_validation(x, y, validation_split, seed)
    info = array_info("Sequences", train.x, train.y, ["partner before marker", "partner after marker"],
                      {"train": train, "validation": validation},
                      description=f"{count} sequences of {length} tokens from a vocabulary of {vocabulary}")
    info.input_dtype = "int32"
    return Dataset(info, train, validation)


# ----- key-value lookup --------------------------------------------------------------------------------------
def lookup_tokens(keys: int) -> dict[str, int]:
    """Token ids: 0-2 unused (padding and friends), then each key with value 0 or 1 (3 + 2*key + value), then a
    question per key (3 + 2*keys + key). The Embedding needs `input_dim` = 3 + 3*keys."""
    return {"first_item": 3, "first_question": 3 + 2 * keys, "vocabulary": 3 + 3 * keys}


def load_lookup(length: int = 13, keys: int = 32, count: int = 4000, validation_split: float = 0.2, seed: int = 0,
                progress: Progress | None = None) -> Dataset:
    """Each sequence: `length - 1` items, each a distinct key with a value 0 or 1 (one token), then a question
    token naming one of those keys; the label is that key's value.

    Built so that nothing but the link between the question and its item tells the answer: exactly half the
    items hold 1 (counting ones says nothing), the asked key is equally often any of them, and the question is
    always last. A sum of per-token features cannot see which item the question names: at chance, provably for a
    linear read-out; attention finds the item whose key matches the question."""
    items = length - 1
    if items < 2 or items % 2:
        raise DatasetError(f"length must be odd and at least 3 (an even number of items and the question), "
                           f"got {length}")
    if keys < items:
        raise DatasetError(f"keys must be at least the {items} items of a sequence, got {keys}")
    rng = np.random.default_rng(seed)
    tokens = lookup_tokens(keys)
    x = np.zeros((count, length), dtype=np.int32)
    y = rng.permutation(np.arange(count) % 2).astype(np.int64)
    for row in range(count):
        chosen = rng.choice(keys, size=items, replace=False)
        values = rng.permutation(np.arange(items) % 2)
        asked = rng.choice(np.flatnonzero(values == y[row]))
        x[row, :items] = tokens["first_item"] + 2 * chosen + values
        x[row, items] = tokens["first_question"] + chosen[asked]
    (progress or Progress()).step(count, count, "lookup sequences ready")
    train, validation = split_off_validation(x, y, validation_split, seed)
    info = array_info("Lookup", train.x, train.y, ["value 0", "value 1"], {"train": train, "validation": validation},
                      description=f"{count} sequences of {items} key-value items and a question, {keys} keys "
                                  f"(Embedding input_dim {tokens['vocabulary']})")
    info.input_dtype = "int32"
    return Dataset(info, train, validation)


# ----- 2-D toy data ------------------------------------------------------------------------------------------
TOY_KINDS = ("spirals", "moons", "circles", "xor", "blobs")


def _spirals(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    per = n // classes
    points, labels = [], []
    for c in range(classes):
        t = np.linspace(0.05, 1, per)
        angle = 4 * np.pi * t + 2 * np.pi * c / classes
        arm = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
        points.append(arm + rng.normal(0, noise * 0.5, arm.shape))
        labels.append(np.full(per, c))
    return np.concatenate(points), np.concatenate(labels)


def load_toy2d(kind: str = "spirals", samples: int = 1000, noise: float = 0.1, classes: int = 2,
               validation_split: float = 0.2, seed: int = 0, progress: Progress | None = None) -> Dataset:
    from sklearn import datasets as sk

    rng = np.random.default_rng(seed)
    if kind == "spirals":
        x, y = _spirals(samples, classes, noise, rng)
    elif kind == "moons":
        x, y = sk.make_moons(samples, noise=noise, random_state=seed)
    elif kind == "circles":
        x, y = sk.make_circles(samples, noise=noise * 0.5, factor=0.5, random_state=seed)
    elif kind == "xor":
        x = rng.uniform(-1, 1, size=(samples, 2))
        y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
        x = x + rng.normal(0, noise * 0.3, x.shape)
    elif kind == "blobs":
        x, y = sk.make_blobs(samples, centers=classes, cluster_std=0.5 + noise * 3, random_state=seed)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    else:
        raise DatasetError(f"unknown toy data '{kind}'; choose one of: {', '.join(TOY_KINDS)}")
    (progress or Progress()).step(samples, samples, f"{kind} ready")
    names = [f"class {c}" for c in range(int(y.max()) + 1)]
    train, validation = split_off_validation(x.astype(np.float32), y.astype(np.int64), validation_split, seed)
    info = array_info(f"2-D {kind}", train.x, train.y, names, {"train": train, "validation": validation},
                      description=f"{samples} points, noise {noise}")
    return Dataset(info, train, validation)


def key_positions(source: str, tokens: np.ndarray, options: dict | None = None) -> list[int]:
    """The positions of the tokens the label depends on, for Strata's own sequence tasks (the Attention view marks
    them): the marker and its partner (Sequences), the question and the item it names (Lookup); [] otherwise."""
    tokens = np.asarray(tokens).astype(int).ravel()
    if source == "sequences":
        return [int(i) for i in np.flatnonzero((tokens == MARKER) | (tokens == PARTNER))]
    if source == "lookup" and len(tokens) >= 2:
        keys = int((options or {}).get("keys", 32))
        ids = lookup_tokens(keys)
        asked = int(tokens[-1]) - ids["first_question"]
        named = np.flatnonzero((tokens[:-1] - ids["first_item"]) // 2 == asked)
        return [*(int(i) for i in named[:1]), len(tokens) - 1]
    return []
