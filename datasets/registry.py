"""Every data source by name, with its options described as data (the Data panel builds its form from them).

A project stores its choice as `{"source": NAME, "options": {...}}`; `load_dataset` turns that into a
Dataset. Option names match the loaders' keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from datasets.arrays import load_csv, load_npz
from datasets.base import Dataset, DatasetError, Progress
from datasets.generated import TOY_KINDS, load_lookup, load_sequences, load_shapes, load_toy2d
from datasets.image_folder import load_image_folder
from datasets.keras_sets import KERAS_SETS, load_keras_dataset
from datasets.options import Option, option_problem, quote
from datasets.packaged import load_digits, load_faces, load_photo_patches

SEED = Option("seed", "int", 0, "Makes shuffling and generated data repeatable", min=0)


def _split(default: float = 0.2) -> Option:
    return Option("validation_split", "float", default, "Share of the samples kept apart to validate on",
                 min=0.0, max=0.9)


@dataclass(frozen=True)
class Source:
    """`group`: built-in (generated), packaged (real data in installed packages), keras (downloaded once),
    own (the user's files). `path_kind` says what a `path` option holds: folder, npz or csv."""

    name: str
    title: str
    group: str
    description: str
    options: tuple[Option, ...]
    loader: Callable[..., Dataset]
    path_kind: str = ""

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.options}


SOURCES: dict[str, Source] = {}


def _add(source: Source) -> None:
    SOURCES[source.name] = source


_add(Source("shapes", "Shapes (generated)", "built-in",
            "Circles, squares, triangles, stars and lines. A small CNN learns edge-like filters on them.",
            (Option("size", "int", 28, "Image width and height in pixels", min=8, max=128),
             Option("color", "bool", False, "Colour images (3 channels) instead of gray"),
             Option("count_per_class", "int", 300, "Images per shape", min=10, max=20000),
             Option("noise", "float", 0.05, "Gaussian pixel noise", min=0.0, max=1.0),
             Option("rotation", "bool", True, "Rotate shapes at random"),
             Option("min_scale", "float", 0.4, "Smallest shape, as a share of the image", min=0.05, max=1.0),
             Option("max_scale", "float", 0.9, "Largest shape, as a share of the image", min=0.05, max=1.0),
             _split(), SEED),
            load_shapes))
_add(Source("sequences", "Sequences (generated)", "built-in",
            "Token sequences labelled by the order of two tokens far apart. Attention links them; so can "
            "per-token features that include the position, averaged (about 0.95): a bag of tokens cannot.",
            (Option("length", "int", 24, "Tokens per sequence", min=4, max=512),
             Option("vocabulary", "int", 16, "Distinct tokens (the Embedding's input_dim)", min=4, max=10000),
             Option("count", "int", 2000, "Sequences", min=20, max=200000), _split(), SEED),
            load_sequences))
_add(Source("lookup", "Lookup (generated)", "built-in",
            "Key-value items and a question naming one key; the label is its value. Averaging per-token "
            "features is at chance: only relating the question to its item by content (attention) solves it.",
            (Option("length", "int", 13, "Tokens per sequence: an even number of items and the question", min=3,
                    max=257),
             Option("keys", "int", 32, "Distinct keys (the Embedding's input_dim is 3 + 3 x keys)", min=2,
                    max=3000),
             Option("count", "int", 4000, "Sequences", min=20, max=200000), _split(), SEED),
            load_lookup))
_add(Source("toy2d", "2-D toy data (generated)", "built-in",
            "Points in the plane: spirals, moons, circles, XOR, blobs. Watch a dense net bend its boundary.",
            (Option("kind", "choice", "spirals", "Which pattern", choices=TOY_KINDS),
             Option("samples", "int", 1000, "Points", min=20, max=200000),
             Option("noise", "float", 0.1, "How much the points scatter", min=0.0, max=2.0),
             Option("classes", "int", 2, "Classes (spirals and blobs)", min=2, max=10), _split(), SEED),
            load_toy2d))
_add(Source("digits", "Handwritten digits 8x8 (scikit-learn)", "packaged",
            "1,797 real handwritten digits, 8x8 pixels, shipped with scikit-learn.", (_split(), SEED), load_digits))
_add(Source("photo_patches", "Photo patches (scikit-image)", "packaged",
            "Gray patches of ten real photos shipped with scikit-image, labelled by the photo: natural-image "
            "statistics, on which a CNN's first layer learns edge detectors.",
            (Option("size", "int", 24, "Patch width and height in pixels", min=8, max=64),
             Option("per_photo", "int", 500, "Patches cut from each photo", min=10, max=20000), _split(), SEED),
            load_photo_patches))
_add(Source("faces", "Faces vs non-faces 25x25 (scikit-image)", "packaged",
            "200 real 25x25 gray patches, half of them faces (LFW), shipped with scikit-image.",
            (_split(), SEED), load_faces))
for _name, _spec in KERAS_SETS.items():
    _add(Source(_name, f"{_spec.title} (Keras)", "keras",
                f"keras.datasets.{_name}: downloaded once into Keras's cache, then offline.",
                (_split(0.1), Option("limit", "int", 0, "Use only the first N training images (0: all)", min=0),
                 SEED), partial(load_keras_dataset, _name)))
_add(Source("image_folder", "Image folder", "own",
            "Your images, one subfolder per class. Streamed from disk; unreadable files are skipped and listed.",
            (Option("path", "str", "", "Folder with one subfolder per class"),
             Option("image_size", "int", 64, "Images are resized to this width and height", min=8, max=1024),
             Option("color", "bool", True, "RGB (3 channels) instead of grayscale"), _split(), SEED),
            load_image_folder, path_kind="folder"))
_add(Source("npz", "NumPy arrays (.npz)", "own",
            "x_train / y_train (and x_test / y_test), or x / y.",
            (Option("path", "str", "", "The .npz file"), _split(), SEED), load_npz, path_kind="npz"))
_add(Source("csv", "Table (.csv)", "own",
            "Numeric feature columns and one label column; text labels become classes.",
            (Option("path", "str", "", "The .csv file"),
             Option("label_column", "str", "", "The column to predict (default: the last)"), _split(), SEED),
            load_csv, path_kind="csv"))


def source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise DatasetError(f"unknown dataset source '{name}'; there are: {', '.join(SOURCES)}") from None


def resolve_options(name: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """The source's defaults overlaid with `options`. An unknown option, a wrong type or a value outside the
    option's declared range is an error that names it, raised before anything is generated or read: a
    project file asking for 10^12 samples must not start making them."""
    chosen = source(name)
    if not isinstance(options, dict | None):
        raise DatasetError(f"{chosen.title}: the options must be a mapping of names to values")
    options = dict(options or {})
    unknown = set(options) - {p.name for p in chosen.options}
    if unknown:
        raise DatasetError(f"{chosen.title} has no option '{quote(sorted(map(str, unknown))[0])}'; its options "
                           f"are: {', '.join(p.name for p in chosen.options)}")
    for param in chosen.options:
        if param.name in options:
            problem = option_problem(param, options[param.name])
            if problem:
                raise DatasetError(f"{chosen.title}: {problem}")
    return {**chosen.defaults(), **options}


def load_dataset(choice: dict[str, Any], progress: Progress | None = None) -> Dataset:
    """Load `{"source": NAME, "options": {...}}` (a project's dataset section)."""
    name = choice.get("source", "shapes")
    options = resolve_options(name, choice.get("options"))
    try:
        return source(name).loader(**options, progress=progress)
    except TypeError as error:  # a wrongly typed option from a hand-written project file
        raise DatasetError(f"{source(name).title}: an option has the wrong type ({error})") from None


def guess_source(path: str) -> dict[str, Any] | None:
    """The dataset choice for a dropped path: a folder, an .npz or a .csv file; None otherwise."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir():
        return {"source": "image_folder", "options": {"path": str(target)}}
    suffix = target.suffix.lower()
    if suffix == ".npz":
        return {"source": "npz", "options": {"path": str(target)}}
    if suffix == ".csv":
        return {"source": "csv", "options": {"path": str(target)}}
    return None
