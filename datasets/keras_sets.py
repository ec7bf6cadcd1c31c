"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 through Keras's own download cache.

A file already in the cache (`$KERAS_HOME/datasets`, default `~/.keras/datasets`) is read directly, in
Keras's own file format; otherwise `keras.datasets.<name>.load_data()` downloads it. Offline without the
file, the message says so and names the file to place in the cache. (Reading the cache ourselves also
means a partial or re-packed file is not re-downloaded over a checksum Keras cannot verify offline.)
"""

from __future__ import annotations

import gzip
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datasets.base import Dataset, DatasetError, Preprocessing, Progress, Split, array_info, split_off_validation

FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"]
CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclass(frozen=True)
class KerasSet:
    name: str
    title: str
    cache_path: str  # relative to the cache's datasets folder
    url: str
    class_names: tuple[str, ...]


KERAS_SETS = {
    "mnist": KerasSet("mnist", "MNIST handwritten digits", "mnist.npz",
                      "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
                      tuple(str(d) for d in range(10))),
    "fashion_mnist": KerasSet("fashion_mnist", "Fashion-MNIST", "fashion-mnist",
                              "https://storage.googleapis.com/tensorflow/tf-keras-datasets/", tuple(FASHION_NAMES)),
    "cifar10": KerasSet("cifar10", "CIFAR-10", "cifar-10-batches-py-target/cifar-10-batches-py",
                        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", tuple(CIFAR10_NAMES)),
    "cifar100": KerasSet("cifar100", "CIFAR-100", "cifar-100-python-target/cifar-100-python",
                         "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                         tuple(f"class {i}" for i in range(100))),
}


def cache_dir() -> Path:
    """Keras's dataset cache: `$KERAS_HOME/datasets`, else `~/.keras/datasets`."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


# ----- readers for Keras's cache formats -----------------------------------------------------------------
def _read_mnist(path: Path) -> tuple[np.ndarray, ...]:
    with np.load(path, allow_pickle=False) as data:
        return data["x_train"], data["y_train"], data["x_test"], data["y_test"]


def _read_idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as stream:
        return np.frombuffer(stream.read(), np.uint8, offset=offset)


def _read_fashion(folder: Path) -> tuple[np.ndarray, ...]:
    y_train = _read_idx(folder / "train-labels-idx1-ubyte.gz", 8)
    x_train = _read_idx(folder / "train-images-idx3-ubyte.gz", 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 8)
    x_test = _read_idx(folder / "t10k-images-idx3-ubyte.gz", 16).reshape(len(y_test), 28, 28)
    return x_train, y_train, x_test, y_test


class _ArraysOnly(pickle.Unpickler):
    """CIFAR batches are pickled dicts of numpy arrays: allow exactly what that needs, nothing else."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a CIFAR file")


def _read_cifar_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as stream:
        batch = _ArraysOnly(stream, encoding="bytes").load()
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return data, np.asarray(batch[label_key], dtype=np.int64)


def _read_cifar10(folder: Path) -> tuple[np.ndarray, ...]:
    parts = [_read_cifar_batch(folder / f"data_batch_{i}", "labels") for i in range(1, 6)]
    x_test, y_test = _read_cifar_batch(folder / "test_batch", "labels")
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), x_test, y_test


def _read_cifar100(folder: Path) -> tuple[np.ndarray, ...]:
    x_train, y_train = _read_cifar_batch(folder / "train", "fine_labels")
    x_test, y_test = _read_cifar_batch(folder / "test", "fine_labels")
    return x_train, y_train, x_test, y_test


READERS = {"mnist": _read_mnist, "fashion_mnist": _read_fashion, "cifar10": _read_cifar10,
           "cifar100": _read_cifar100}


def _download(name: str) -> tuple[np.ndarray, ...]:
    import keras

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return x_train, y_train, x_test, y_test


def read_keras_arrays(name: str, download: Callable[[str], tuple[np.ndarray, ...]] = _download
                      ) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) from the cache, or downloaded by Keras; DatasetError offline."""
    spec = KERAS_SETS[name]
    cached = cache_dir() / spec.cache_path
    if cached.exists():
        try:
            return READERS[name](cached)
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as error:
            raise DatasetError(f"{spec.title}: the cached file {cached} could not be read ({error}). Delete it "
                               "to download it again, or replace it with the original file.") from None
    try:
        return download(name)
    except Exception as error:  # Keras raises plain Exception for a failed fetch
        raise DatasetError(
            f"{spec.title} is not on this computer and could not be downloaded ({_short(error)}).\n"
            f"Connect to the internet and try again, or download {spec.url} on another machine and place "
            f"it at {cached} (unpacked, as Keras does). The built-in datasets work offline.") from None


def _short(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text if len(text) < 160 else text[:157] + "…"


def load_keras_dataset(name: str = "mnist", validation_split: float = 0.1, limit: int = 0, seed: int = 0,
                       progress: Progress | None = None) -> Dataset:
    """Images rescaled to 0-1 with a channel axis; `limit` keeps the first N training samples (0: all)."""
    if name not in KERAS_SETS:
        raise DatasetError(f"unknown Keras dataset '{name}'; there are: {', '.join(KERAS_SETS)}")
    progress = progress or Progress()
    progress.step(0, 3, f"reading {KERAS_SETS[name].title}")
    x_train, y_train, x_test, y_test = read_keras_arrays(name)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    progress.step(1, 3, "converting")

    def prepare(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32) / 255.0
        return x[..., None] if x.ndim == 3 else x

    x_train, x_test = prepare(x_train), prepare(x_test)
    y_train, y_test = np.asarray(y_train, np.int64).ravel(), np.asarray(y_test, np.int64).ravel()
    train, validation = split_off_validation(x_train, y_train, validation_split, seed)
    test = Split(x_test, y_test)
    spec = KERAS_SETS[name]
    info = array_info(spec.title, train.x, train.y, list(spec.class_names),
                      {"train": train, "validation": validation, "test": test},
                      Preprocessing(resize=train.x.shape[1:3], channels=train.x.shape[-1], rescale=1 / 255),
                      f"keras.datasets.{name}, from {cache_dir()}")
    progress.step(3, 3, "ready")
    return Dataset(info, train, validation, test)
