"""The user's own arrays and tables: NumPy `.npz` files and CSV files with a label column."""

from __future__ import annotations

import csv
import logging
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from datasets.base import Dataset, DatasetError, Progress, Split, array_info, split_off_validation
from datasets.file_checks import file_problem, size_text
from datasets.options import quote

log = logging.getLogger(__name__)

MAX_LISTED = 5
MAX_ARRAY_BYTES = 8 * 2**30  # all arrays of one .npz, as their headers declare them
MAX_RATIO = 100  # an array this many times larger than its compressed bytes...
RATIO_FLOOR = 256 * 2**20  # ...and larger than this is a decompression bomb (real data compresses 2-20x)
MAX_CSV_BYTES = 2 * 2**30
FLOAT32_MAX = float(np.finfo(np.float32).max)
INT32_RANGE = (-(2**31), 2**31 - 1)
NPZ_KEYS = (("x_train", "y_train"), ("x", "y"))


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
    if y.dtype.kind in "fiu" and y.size and float(np.abs(y).max()) > FLOAT32_MAX:
        raise DatasetError(f"{where}: a target value is beyond what a 32-bit float holds (about ±3.4e38); scale "
                           "the targets")
    return y.astype(np.float32), []  # regression targets


def load_npz(path: str = "", validation_split: float = 0.2, seed: int = 0,
             progress: Progress | None = None) -> Dataset:
    """`x_train`/`y_train` (+ `x_test`/`y_test`), or `x`/`y`."""
    if not path:
        raise DatasetError("choose a .npz file")
    file = Path(path).expanduser()
    arrays = read_npz(file)
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


def read_npz(file: Path) -> dict[str, np.ndarray]:
    """The arrays Strata uses from a .npz archive, each checked from its header before it is read: only .npy
    members, nothing encrypted or pickled, and no more than MAX_ARRAY_BYTES (or a bomb's ratio) unpacked."""
    problem = file_problem(file, ".npz")
    if problem:
        raise DatasetError(problem)
    try:
        if not zipfile.is_zipfile(file):
            with open(file, "rb") as stream:
                single = stream.read(6) == b"\x93NUMPY"
            raise DatasetError(f"{file.name} is a single NumPy array (.npy), not an .npz archive of x and y: save "
                               "it with numpy.savez(path, x=..., y=...)" if single else
                               f"{file.name} is not a readable NumPy .npz file (an .npz is a zip archive of arrays)")
        with zipfile.ZipFile(file) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            wanted = next((keys for keys in NPZ_KEYS if set(keys) <= members.keys()), ())
            if not wanted:
                found = quote(", ".join(sorted(members)) or "nothing", 200)
                raise DatasetError(f"{file.name} must hold arrays named x_train and y_train (optionally x_test and "
                                   f"y_test), or x and y; it holds {found}")
            if wanted and {"x_test", "y_test"} <= members.keys():
                wanted += ("x_test", "y_test")
            total = 0
            for key in wanted:
                total += _member_bytes(archive, members[key], file.name)
            if total > MAX_ARRAY_BYTES:
                raise DatasetError(f"{file.name} unpacks to {size_text(total)} of arrays, more than Strata loads "
                                   f"into memory ({size_text(MAX_ARRAY_BYTES)}); use a folder of images instead")
        with np.load(file, allow_pickle=False) as data:
            return {key: data[key] for key in wanted}
    except DatasetError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError, KeyError,
            zlib.error) as error:
        raise DatasetError(f"{file.name} is not a readable NumPy .npz file ({quote(str(error))})") from None
    except Exception as error:  # a damage no check foresaw: still this loader's own error
        log.exception("unexpected content in %s", file)
        raise DatasetError(f"{file.name} is damaged ({quote(type(error).__name__ + ': ' + str(error))})") from None


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> int:
    """The size an array member declares in its .npy header, read without unpacking the data."""
    key = info.filename
    if info.flag_bits & 0x1:
        raise DatasetError(f"{name}: the array '{quote(key)}' is encrypted; save it without a password")
    if not key.endswith(".npy"):
        raise DatasetError(f"{name}: '{quote(key)}' is not a NumPy array (.npy) member")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _fortran, dtype = reader(member, max_header_size=10_000)
    if dtype.hasobject:
        raise DatasetError(f"{name}: '{quote(key)}' holds Python objects, which Strata does not load (they could "
                           "run code); save numbers")
    size = math.prod(shape) * dtype.itemsize
    if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
        raise DatasetError(f"{name}: '{quote(key)}' would unpack {size_text(info.compress_size)} into "
                           f"{size_text(size)}, which real data never does; the file is refused as a "
                           "decompression bomb")
    return size


def _check_pair(x: np.ndarray, y: np.ndarray, name: str, key: str) -> None:
    if x.ndim < 2 or 0 in x.shape[1:]:
        raise DatasetError(f"{name}: {key} must have one row per sample and at least one feature, got shape "
                           f"{x.shape}")
    if len(x) != len(y):
        raise DatasetError(f"{name}: {key} has {len(x)} samples but its labels have {len(y)}; they must match")
    if len(x) == 0:
        raise DatasetError(f"{name}: {key} is empty")


def _as_float_or_int(x: np.ndarray, name: str) -> np.ndarray:
    if x.dtype.kind in "iu":
        if x.dtype.itemsize <= 4:
            return x
        low, high = (int(x.min()), int(x.max())) if x.size else (0, 0)
        if low < INT32_RANGE[0] or high > INT32_RANGE[1]:
            raise DatasetError(f"{name}: the inputs hold whole numbers from {low} to {high}, beyond the 32-bit "
                               "range a model input takes; scale them or save them as floats")
        return x.astype(np.int32)
    if x.dtype.kind in "fb":
        finite_before = x.dtype.kind == "b" or bool(np.all(np.isfinite(x)))
        with np.errstate(over="ignore"):  # (an overflow is found just below, and said plainly)
            x = x.astype(np.float32)
        if not np.all(np.isfinite(x)):
            reason = ("values beyond float32's range (about ±3.4e38)" if finite_before
                      else "NaN or infinite values")
            raise DatasetError(f"{name}: the inputs contain {reason}; clean them first")
        return x
    raise DatasetError(f"{name}: the inputs must be numbers, got {x.dtype}")


def load_csv(path: str = "", label_column: str = "", validation_split: float = 0.2, seed: int = 0,
             progress: Progress | None = None) -> Dataset:
    """Numeric feature columns and one label column (numbers, or strings that become class indices)."""
    if not path:
        raise DatasetError("choose a .csv file")
    file = Path(path).expanduser()
    header, body = _csv_rows(file)
    label = label_column or header[-1]
    if label not in header:
        raise DatasetError(f"{file.name} has no column '{quote(label)}'; its columns are: "
                           f"{quote(', '.join(header), 200)}")
    if len(header) < 2:
        raise DatasetError(f"{file.name} needs at least one feature column besides the label")
    label_index = header.index(label)
    features = [i for i in range(len(header)) if i != label_index]
    x = np.empty((len(body), len(features)), dtype=np.float32)
    for column, source in enumerate(features):
        x[:, column] = _numeric_column(body, source, header[source], file.name)
    raw_labels = [row[label_index].strip() for row in body]
    empty = [n for n, v in enumerate(raw_labels, start=2) if not v]
    if empty:
        raise DatasetError(f"{file.name}: the label column '{quote(label, 40)}' is empty on line(s) {_few(empty)}")
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


def _csv_rows(file: Path) -> tuple[list[str], list[list[str]]]:
    """The header (unique names) and the data rows (each as long as the header), blank lines left out."""
    problem = file_problem(file, "CSV", MAX_CSV_BYTES)
    if problem:
        raise DatasetError(problem)
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
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DatasetError(f"{file.name}: the header names the column '{quote(repeated[0])}' more than once; "
                           "give every column its own name")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetError(f"{file.name}, line {number}: {len(row)} values, but the header has {len(header)}")
    return header, body


def _numeric_column(body: list[list[str]], source: int, name: str, file_name: str) -> np.ndarray:
    """Column `source` as float32; empty, non-numeric and out-of-range cells are reported with their lines."""
    values = np.empty(len(body), dtype=np.float32)
    missing, bad, huge = [], [], []
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
        if not math.isfinite(value) or abs(value) > FLOAT32_MAX:  # 1e39 would become inf in float32
            huge.append((row_number, cell))
            continue
        values[row_number - 2] = value
    name = quote(name, 40)
    if missing:
        raise DatasetError(f"{file_name}: column '{name}' has {len(missing)} empty cell(s) (line(s) "
                           f"{_few(missing)}); fill them in or remove those rows")
    if bad:
        more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
        raise DatasetError(f"{file_name}: column '{name}' is not numeric (line {bad[0][0]}: '{quote(bad[0][1], 40)}'"
                           f"{more}); make it numbers, or choose it as the label column")
    if huge:
        raise DatasetError(f"{file_name}: column '{name}' holds a value a model cannot take (line {huge[0][0]}: "
                           f"'{quote(huge[0][1], 40)}'); inputs are 32-bit floats, finite and within about ±3.4e38")
    return values


def _few(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED])
    return shown + (f" and {len(numbers) - MAX_LISTED} more" if len(numbers) > MAX_LISTED else "")
