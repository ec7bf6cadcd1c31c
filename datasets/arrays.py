"""The user's own arrays and tables: NumPy `.npz` files and CSV files with a label column."""

from __future__ import annotations

import csv
import math
import zipfile
from pathlib import Path

import numpy as np

from datasets.base import Dataset, DatasetError, Progress, Split, array_info, split_off_validation

MAX_LISTED = 5


def _labels(y: np.ndarray, where: str) -> tuple[np.ndarray, list[str]]:
    """Integer class labels and names; one-hot rows become indices; floats that are not whole -> regression."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1 and np.isin(y, (0, 1)).all():
        if (y.sum(axis=1) == 1).all():  # one-hot: one class per sample
            y = y.argmax(axis=1)
        else:  # multi-hot: several labels per sample (a multi-label task)
            return y.astype(np.float32), [str(c) for c in range(y.shape[1])]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.dtype.kind in "US":
        names, y = np.unique(y, return_inverse=True)
        return y.astype(np.int64), [str(n) for n in names]
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise DatasetError(f"{where}: the labels contain NaN or infinite values; clean them first")
    whole = y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(y == np.round(y)))
    if whole and y.ndim == 1 and len(np.unique(y)) <= max(50, len(y) // 20):
        values = np.unique(y)
        if values.min() == 0 and values.max() < 2 * len(values):  # 0..K-1 (a few gaps allowed): keep as is
            return y.astype(np.int64), [str(c) for c in range(int(values.max()) + 1)]
        # e.g. 1-5 ratings or years: one class per value present, named by the value
        return np.searchsorted(values, y).astype(np.int64), [f"{v:g}" for v in values]
    return y.astype(np.float32), []  # regression targets


def load_npz(path: str = "", validation_split: float = 0.2, seed: int = 0,
             progress: Progress | None = None) -> Dataset:
    """`x_train`/`y_train` (+ `x_test`/`y_test`), or `x`/`y`."""
    if not path:
        raise DatasetError("choose a .npz file")
    file = Path(path).expanduser()
    try:
        with np.load(file, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise DatasetError(f"there is no file {file}") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetError(f"{file.name} is not a readable NumPy .npz file ({error})") from None
    if {"x_train", "y_train"} <= arrays.keys():
        x, y = arrays["x_train"], arrays["y_train"]
    elif {"x", "y"} <= arrays.keys():
        x, y = arrays["x"], arrays["y"]
    else:
        found = ", ".join(sorted(arrays)) or "nothing"
        raise DatasetError(f"{file.name} must hold arrays named x_train and y_train (optionally x_test and "
                           f"y_test), or x and y; it holds {found}")
    _check_pair(x, y, file.name, "x_train" if "x_train" in arrays else "x")
    y, names = _labels(y, file.name)
    x = _as_float_or_int(x, file.name)
    (progress or Progress()).step(1, 1, "arrays loaded")
    train, validation = split_off_validation(x, y, validation_split, seed)
    test = None
    if {"x_test", "y_test"} <= arrays.keys():
        _check_pair(arrays["x_test"], arrays["y_test"], file.name, "x_test")
        y_test, _ = _labels(arrays["y_test"], file.name)
        test = Split(_as_float_or_int(arrays["x_test"], file.name), y_test)
        if test.x.shape[1:] != x.shape[1:]:
            raise DatasetError(f"{file.name}: x_test samples are {test.x.shape[1:]}, x_train samples "
                               f"{x.shape[1:]}; they must match")
    info = array_info(file.name, train.x, train.y, names, {"train": train, "validation": validation, "test": test},
                      description=f"{len(x)} samples of shape {x.shape[1:]} from {file}")
    return Dataset(info, train, validation, test)


def _check_pair(x: np.ndarray, y: np.ndarray, name: str, key: str) -> None:
    if x.ndim < 2:
        raise DatasetError(f"{name}: {key} must have one row per sample and at least one feature, got shape "
                           f"{x.shape}")
    if len(x) != len(y):
        raise DatasetError(f"{name}: {key} has {len(x)} samples but its labels have {len(y)}; they must match")
    if len(x) == 0:
        raise DatasetError(f"{name}: {key} is empty")


def _as_float_or_int(x: np.ndarray, name: str) -> np.ndarray:
    if x.dtype.kind in "iu":
        return x if x.dtype.itemsize <= 4 else x.astype(np.int32)
    if x.dtype.kind in "fb":
        x = x.astype(np.float32)
        if not np.all(np.isfinite(x)):
            raise DatasetError(f"{name}: the inputs contain NaN or infinite values; clean them first")
        return x
    raise DatasetError(f"{name}: the inputs must be numbers, got {x.dtype}")


def read_csv_header(path: str) -> list[str]:
    """Column names of a CSV file (so the Data panel can offer the label column)."""
    with open(Path(path).expanduser(), newline="", encoding="utf-8-sig") as stream:
        return next(csv.reader(stream), [])


def load_csv(path: str = "", label_column: str = "", validation_split: float = 0.2, seed: int = 0,
             progress: Progress | None = None) -> Dataset:
    """Numeric feature columns and one label column (numbers, or strings that become class indices)."""
    if not path:
        raise DatasetError("choose a .csv file")
    file = Path(path).expanduser()
    try:
        with open(file, newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.reader(stream))
    except FileNotFoundError:
        raise DatasetError(f"there is no file {file}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{file.name} could not be read as CSV text ({error})") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise DatasetError(f"{file.name} needs a header row and at least one data row")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    label = label_column or header[-1]
    if label not in header:
        raise DatasetError(f"{file.name} has no column '{label}'; its columns are: {', '.join(header)}")
    if len(header) < 2:
        raise DatasetError(f"{file.name} needs at least one feature column besides the label")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(f"{file.name}, line {number}: {len(row)} values, but the header has {len(header)}")
    label_index = header.index(label)
    features = [i for i in range(len(header)) if i != label_index]
    x = np.empty((len(body), len(features)), dtype=np.float32)
    for column, source in enumerate(features):
        missing, bad = [], []
        for row_number, row in enumerate(body, start=2):
            cell = row[source].strip()
            if not cell:
                missing.append(row_number)
                continue
            try:
                value = float(cell)
            except ValueError:
                bad.append((row_number, cell))
                continue
            if not math.isfinite(value):
                bad.append((row_number, cell))
            x[row_number - 2, column] = value
        name = header[source]
        if missing:
            raise DatasetError(f"{file.name}: column '{name}' has {len(missing)} empty cell(s) (line(s) "
                               f"{_few(missing)}); fill them in or remove those rows")
        if bad:
            example = bad[0][1]
            raise DatasetError(f"{file.name}: column '{name}' is not numeric (line {bad[0][0]}: '{example}'"
                               f"{f' and {len(bad) - 1} more' if len(bad) > 1 else ''}); make it numbers, or "
                               "choose it as the label column")
    raw_labels = [row[label_index].strip() for row in body]
    empty = [n for n, v in enumerate(raw_labels, start=2) if not v]
    if empty:
        raise DatasetError(f"{file.name}: the label column '{label}' is empty on line(s) {_few(empty)}")
    try:
        y_values = np.array([float(v) for v in raw_labels])
    except ValueError:
        y_values = np.array(raw_labels)
    y, names = _labels(y_values, file.name)
    (progress or Progress()).step(1, 1, "table loaded")
    train, validation = split_off_validation(x, y, validation_split, seed)
    info = array_info(file.name, train.x, train.y, names, {"train": train, "validation": validation},
                      description=f"{len(x)} rows, {len(features)} features, label '{label}' from {file}")
    return Dataset(info, train, validation)


def _few(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED])
    return shown + (f" and {len(numbers) - MAX_LISTED} more" if len(numbers) > MAX_LISTED else "")
