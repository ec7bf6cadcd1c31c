"""Seeded fuzzing of what Strata reads: mutated project files, images, npz archives and CSV tables, each run
through the loader the window and the CLI use, and then through what consumes a loaded result.

An outcome is "clean" (the loader's own error: ProjectError, DatasetError), "ok" (loaded, and validation,
the summary, a save and a re-read all worked on it) or "unexpected" (any other exception: a defect).
`tests/test_fuzz.py` runs a few hundred cases in `make test`; `bench/fuzz.py` runs thousands and reports.
"""

from __future__ import annotations

import copy
import io
import json
import random
import struct
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from datasets.arrays import load_csv, load_npz
from datasets.base import DatasetError, Preprocessing
from datasets.preprocess import open_image, prepare_image
from models.checks.validate import validate
from models.cli.commands import summary
from models.graph.project import Project, ProjectError
from models.templates import load_template, template_names

HUGE_VALUES: list[Any] = [10**400, -(10**30), 2**31, 1e308, -1e-320, "x" * 100_000, "", None, True, [], {},
                          [[[[1]]]], {"a": {"b": {"c": []}}}, "Input", ["Input"], 0, -1, 0.5, "relu", [28, 28, 1],
                          "../../etc/passwd", "\u0000", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")]


@dataclass
class Tally:
    """Outcomes of one kind of case; `unexpected` keeps the first tracebacks for the report."""

    cases: int = 0
    clean: int = 0
    ok: int = 0
    unexpected: list[str] = field(default_factory=list)
    slowest_s: float = 0.0

    def add(self, outcome: str, seconds: float, detail: str = "") -> None:
        self.cases += 1
        self.slowest_s = max(self.slowest_s, seconds)
        if outcome == "clean":
            self.clean += 1
        elif outcome == "ok":
            self.ok += 1
        else:
            self.unexpected.append(detail)


def run_case(check: Callable[[], str], tally: Tally) -> None:
    started = time.perf_counter()
    try:
        outcome, detail = check(), ""
    except (ProjectError, DatasetError):
        outcome, detail = "clean", ""
    except Exception:  # noqa: BLE001 - exactly what the fuzz looks for
        outcome, detail = "unexpected", traceback.format_exc(limit=6)
    tally.add(outcome, time.perf_counter() - started, detail)


# ----- project files ----------------------------------------------------------------------------------------
def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a JSON document."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _set(data: Any, path: tuple, value: Any, delete: bool = False) -> None:
    for key in path[:-1]:
        data = data[key]
    if delete:
        del data[path[-1]]
    else:
        data[path[-1]] = value


def _random_value(rng: random.Random) -> Any:
    value = rng.choice(HUGE_VALUES)
    return copy.deepcopy(value)


def _seed_documents() -> list[dict]:
    documents = [load_template(name).to_dict() for name in template_names()]
    with_run = copy.deepcopy(documents[0])
    with_run["runs"] = [{"id": "run-1", "status": "completed", "steps": 10, "epochs_done": 2, "duration_s": 1.5,
                         "history": {"loss": [1.0, 0.5], "val_loss": [1.1, None]}, "final": {"loss": 0.5},
                         "config": {"epochs": 2}, "dataset": {"source": "toy2d"}, "model_file": "",
                         "evaluation": {"split": "test", "accuracy": 0.5, "confusion_matrix": [[1, 1], [0, 2]],
                                        "class_names": ["a", "b"], "precision": [1.0, 0.67], "recall": [0.5, 1.0]}}]
    return [*documents, with_run]


def project_texts(seed: int, count: int) -> Iterator[str]:
    """JSON-level mutations (a value replaced, a key deleted or added, a list emptied), truncations and byte
    flips of Strata's own templates."""
    rng = random.Random(seed)
    seeds = _seed_documents()
    for _ in range(count):
        document = copy.deepcopy(rng.choice(seeds))
        kind = rng.random()
        if kind < 0.6:
            for _ in range(rng.randint(1, 3)):
                paths = [p for p in _paths(document) if p]
                path = rng.choice(paths)
                action = rng.random()
                try:
                    if action < 0.6:
                        _set(document, path, _random_value(rng))
                    elif action < 0.8:
                        _set(document, path, None, delete=True)
                    else:
                        parent = document
                        for key in path[:-1]:
                            parent = parent[key]
                        if isinstance(parent, dict):
                            parent[rng.choice(["type", "params", "inputs", "x", "runs", "id"])] = _random_value(rng)
                except (KeyError, IndexError, TypeError):
                    pass
            yield json.dumps(document)
        elif kind < 0.8:
            text = json.dumps(document)
            yield text[: rng.randrange(len(text))]
        else:
            data = bytearray(json.dumps(document).encode())
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield data.decode("utf-8", errors="replace")


def check_project_file(text: str, folder: Path) -> str:
    """Load as the window and CLI do; then validate, summarise, save and re-read what loaded."""
    path = folder / "fuzz.strata.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    project = Project.load(path)
    validate(project.spec)
    if summary(path, out=io.StringIO(), err=io.StringIO()) != 0:
        raise AssertionError("summary failed on a project that loaded")
    project.save(path)
    Project.load(path)
    return "ok"


# ----- images -----------------------------------------------------------------------------------------------
def _image_seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    images = []
    for fmt, options, mode in [("PNG", {}, "RGB"), ("PNG", {}, "I;16"), ("JPEG", {}, "RGB"),
                               ("JPEG", {"progressive": True}, "RGB"), ("GIF", {}, "P"), ("BMP", {}, "RGB"),
                               ("TIFF", {}, "RGB"), ("WEBP", {}, "RGB"), ("PNG", {}, "RGBA")]:
        image = Image.fromarray(pixels).convert(mode if mode != "I;16" else "L")
        if mode == "I;16":
            image = Image.fromarray(pixels[..., 0].astype(np.uint16) * 200)
        stream = io.BytesIO()
        image.save(stream, fmt, **options)
        images.append(stream.getvalue())
    return images


def image_bytes(seed: int, count: int) -> Iterator[bytes]:
    """Byte flips, truncations, and header sizes rewritten to huge values, of small valid images."""
    rng = random.Random(seed)
    seeds = _image_seeds()
    for _ in range(count):
        data = bytearray(rng.choice(seeds))
        kind = rng.random()
        if kind < 0.4:
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind < 0.6:
            data = data[: rng.randrange(1, len(data))]
        else:  # a header that claims a huge image: a width and height written over bytes near the start
            fmt = rng.choice([">HH", "<HH", ">II", "<II"])
            offset = rng.randrange(2, min(40, len(data) - struct.calcsize(fmt)))
            struct.pack_into(fmt, data, offset, *_huge_fields(rng))
        yield bytes(data)


def _huge_fields(rng: random.Random) -> tuple[int, int]:
    return rng.choice([1, 3, 4097, 8200, 13000, 65535]), rng.choice([1, 2, 4097, 9000, 65535])


def check_image_bytes(data: bytes, folder: Path) -> str:
    path = folder / "fuzz.img"
    path.write_bytes(data)
    image = open_image(path)
    prepare_image(image, Preprocessing(resize=(28, 28), channels=1, rescale=1 / 255))
    return "ok"


# ----- arrays -----------------------------------------------------------------------------------------------
def _npz_seed() -> bytes:
    stream = io.BytesIO()
    np.savez_compressed(stream, x=np.arange(24, dtype=np.float32).reshape(6, 4), y=np.array([0, 1, 0, 1, 1, 0]))
    return stream.getvalue()


def array_files(seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """("npz" | "csv", content): mutated archives and tables, arrays of odd dtypes and shapes."""
    rng = random.Random(seed)
    npz = _npz_seed()
    csv_text = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n"
    odd = [np.zeros((3, 0)), np.array([[2**40], [1], [2]]), np.array([["a"], ["b"], ["c"]]),
           np.array([[np.nan], [1.0], [2.0]]), np.zeros(3), np.zeros((3, 2), dtype=np.complex64),
           np.array([[1e39], [1.0], [2.0]]), np.ones((3, 2, 2), dtype=bool)]
    for _ in range(count):
        kind = rng.random()
        if kind < 0.35:
            data = bytearray(npz)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield "npz", bytes(data)
        elif kind < 0.5:
            stream = io.BytesIO()
            y = rng.choice([np.array([0, 1, 2]), np.array(["a", "b", "a"]), np.zeros((3, 4)), np.array([0, 1])])
            np.savez(stream, x=rng.choice(odd), y=y)
            yield "npz", stream.getvalue()
        elif kind < 0.6:
            stream = io.BytesIO()
            with zipfile.ZipFile(stream, "w") as archive:
                archive.writestr(rng.choice(["x", "x.npy", "x.txt"]), bytes(rng.randrange(256) for _ in range(64)))
                archive.writestr("y.npy", b"\x93NUMPY" + bytes(rng.randrange(256) for _ in range(40)))
            yield "npz", stream.getvalue()
        else:
            text = list(csv_text)
            for _ in range(rng.randint(1, 6)):
                text[rng.randrange(len(text))] = rng.choice(list(",\n\"x9.e-") + ["1e39", "nan", "", "\x00"])
            yield "csv", "".join(text).encode("utf-8")


def check_array_file(kind: str, data: bytes, folder: Path) -> str:
    path = folder / f"fuzz.{kind}"
    path.write_bytes(data)
    dataset = load_npz(str(path)) if kind == "npz" else load_csv(str(path))
    dataset.preview(4)
    return "ok"
