"""Every fault found by the fuzzing campaign, on a file the test writes: the reader's own error with a short,
plain message (never a traceback, a hang or gigabytes), and saves that keep mode, links and strict JSON."""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from datasets.arrays import load_csv, load_npz
from datasets.base import DatasetError
from datasets.preprocess import open_image
from models.atomic_write import clean_stale_temp_files
from models.checks.validate import validate
from models.cli.commands import summary
from models.graph.project import Project, ProjectError
from models.templates import load_template


def minimal() -> dict:
    return {"format_version": 1, "model": {"layers": [
        {"id": "x", "type": "Input", "params": {"shape": [4]}},
        {"id": "d", "type": "Dense", "params": {"units": 3}}]}}


def read(text: str) -> Project:
    return Project.from_json(text)


def finishes(call, seconds: float = 10.0):
    """Run `call` in a thread: a FIFO must not block the reader forever."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["value"] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the read blocked"
    return outcome


# ----- project files -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("[" * 5000 + "]" * 5000, "nests objects or arrays"),
    ('{"format_version": 1, "model": {"layers": []}, "name": ' + "9" * 5000 + "}", "cannot read"),
])
def test_json_the_parser_cannot_hold_is_a_project_error(text, message):
    with pytest.raises(ProjectError, match=message):
        read(text)


def test_deep_nesting_below_the_parser_limit_is_refused_by_depth():
    data = minimal()
    data["training"] = {"a": json.loads("[" * 100 + "]" * 100)}
    with pytest.raises(ProjectError, match="nested more than"):
        Project.from_dict(data)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["model"]["layers"][0].update(type=["Input"]), "unknown type \\['Input'\\]"),
    (lambda d: d.update(layout={"x": [10**400, 0]}), "layout of 'x' must be"),
    (lambda d: d.update(layout={"x": [float("inf"), 0]}), "layout of 'x' must be"),
    (lambda d: d["model"]["layers"][1]["params"].update(units=10**400), "whole numbers within"),
    (lambda d: d["model"]["layers"][0]["params"].update(shape=[2] * 40), "at most 16 of them"),
    (lambda d: d.update(runs=[1]), "Run 1 in 'runs' must be a JSON object"),
    (lambda d: d.update(runs=[{"id": "r", "history": {"loss": "high"}}]), "'history'"),
    (lambda d: d.update(runs=[{"id": "r", "evaluation": {"confusion_matrix": [[1]], "class_names": ["a", "b"]}}]),
     "'evaluation'"),
    (lambda d: d.update(name="n" * 1_000_000), "at most 200"),
    (lambda d: d["model"]["layers"][1].update(id="d" * 1_000_000), "up to 100"),
])
def test_malformed_content_is_refused_with_a_short_message(mutate, message):
    data = minimal()
    mutate(data)
    with pytest.raises(ProjectError, match=message) as caught:
        Project.from_dict(data)
    assert len(str(caught.value)) < 400  # values are quoted short


def test_a_huge_value_is_quoted_short_in_validation_messages():
    data = minimal()
    data["model"]["layers"][1]["params"]["activation"] = "x" * 1_000_000
    project = Project.from_dict(data)
    started = time.perf_counter()
    problems = validate(project.spec).problems
    assert problems and all(len(p.message) < 400 for p in problems)
    assert time.perf_counter() - started < 1


def test_units_just_below_the_limit_still_summarise(tmp_path):
    data = minimal()
    data["model"]["layers"][1]["params"]["units"] = 2**31 - 1
    path = tmp_path / "big.strata.json"
    path.write_text(json.dumps(data))
    out = io.StringIO()
    assert summary(path, out=out) == 0
    assert "2147483647" in out.getvalue() and "Activation memory at batch 32:" in out.getvalue()


def test_nan_written_by_older_saves_reads_as_null():
    data = minimal()
    data["runs"] = [{"id": "run-1", "history": {"loss": [1.0, float("nan")]}}]
    project = read(json.dumps(data))  # Python writes NaN; older Strata did too
    assert project.runs[0]["history"]["loss"] == [1.0, None]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.strata.json"
    os.mkfifo(fifo)
    outcome = finishes(lambda: Project.load(fifo))
    assert isinstance(outcome.get("error"), ProjectError) and "named pipe" in str(outcome["error"])
    outcome = finishes(lambda: open_image(fifo))
    assert isinstance(outcome.get("error"), DatasetError) and "named pipe" in str(outcome["error"])
    outcome = finishes(lambda: load_npz(str(fifo)))
    assert isinstance(outcome.get("error"), DatasetError)


# ----- saving -------------------------------------------------------------------------------------------
def test_saving_keeps_the_mode_and_follows_a_symlink(tmp_path):
    real = tmp_path / "real.strata.json"
    load_template("mlp").save(real)
    os.chmod(real, 0o644)
    link = tmp_path / "link.strata.json"
    link.symlink_to(real)
    project = Project.load(link)
    project.name = "changed"
    project.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert Project.load(real).name == "changed"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.strata.json", "real.strata.json"]


def test_a_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        load_template("mlp").save(tmp_path / "new.strata.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.strata.json").st_mode) == 0o644


def test_saving_writes_strict_json_or_refuses_with_a_message(tmp_path):
    project = load_template("mlp")
    project.training = {"learning_rate": float("nan")}
    with pytest.raises(ProjectError, match="training.learning_rate is not a finite number"):
        project.save(tmp_path / "p.strata.json")
    assert not list(tmp_path.iterdir())  # nothing written, no temporary file left


def test_temp_files_of_dead_writers_are_cleaned_and_live_ones_kept(tmp_path):
    target = tmp_path / "p.strata.json"
    load_template("mlp").save(target)
    dead = tmp_path / ".p.strata.json.999999999.abcd1234.tmp"  # no such process
    live = tmp_path / f".p.strata.json.{os.getpid()}.abcd1234.tmp"  # a save in progress in this process
    other = tmp_path / ".hidden.tmp"
    for path in (dead, live, other):
        path.write_text("partial")
    Project.load(target)  # opening cleans the folder
    assert not dead.exists() and live.exists() and other.exists()
    dead.write_text("partial")
    assert clean_stale_temp_files(tmp_path) == 1


# ----- npz and CSV ----------------------------------------------------------------------------------------
def test_npz_members_that_are_not_arrays_or_are_encrypted(tmp_path):
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.txt", "hello")
        archive.writestr("y.npy", b"")
    with pytest.raises(DatasetError, match="it holds x.txt, y"):
        load_npz(str(path))
    np.savez(path, x=np.zeros((4, 2)), y=np.zeros(4))
    data = bytearray(path.read_bytes())
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag in both headers of each member
        start = 0
        while (start := data.find(signature, start)) >= 0:
            offset = start + (6 if signature == b"PK\x03\x04" else 8)
            data[offset] |= 1
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="encrypted"):
        load_npz(str(path))


def test_an_npy_named_npz_is_named_as_such(tmp_path):
    path = tmp_path / "single.npz"
    with open(path, "wb") as stream:
        np.save(stream, np.zeros((3, 2)))
    with pytest.raises(DatasetError, match="single NumPy array"):
        load_npz(str(path))


def test_an_npz_bomb_is_refused_from_its_header(tmp_path):
    """300 MB of zeros packed into ~0.3 MB: refused before anything is unpacked."""
    path = tmp_path / "bomb.npz"
    count = 300 * 2**20
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (count // 4, 4)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(2**20)
            for _ in range(count // len(chunk)):
                member.write(chunk)
        archive.writestr("y.npy", _npy(np.zeros(count // 4, np.uint8)))
    assert path.stat().st_size < 2 * 2**20
    started = time.perf_counter()
    with pytest.raises(DatasetError, match="decompression bomb"):
        load_npz(str(path))
    assert time.perf_counter() - started < 2


def _npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


@pytest.mark.parametrize(("x", "message"), [
    (np.array([[2**40], [1]], dtype=np.int64), "beyond the 32-bit range"),
    (np.zeros((2, 0), dtype=np.float32), "at least one feature"),
    (np.array([[1e39], [1.0]], dtype=np.float64), "beyond float32's range"),
])
def test_npz_values_that_would_change_silently_are_refused(tmp_path, x, message):
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=np.array([0, 1]))
    with pytest.raises(DatasetError, match=message):
        load_npz(str(path))


def test_int64_inputs_within_range_are_kept_exactly(tmp_path):
    path = tmp_path / "ids.npz"
    np.savez(path, x=np.array([[2**31 - 1], [5]], dtype=np.int64), y=np.array([0, 1]))
    data = load_npz(str(path), validation_split=0)
    assert sorted(data.train.x[:, 0].tolist()) == [5, 2**31 - 1]


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1e39,0\n2,1\n", "within about ±3.4e38"),
    ("a,a,a\n1,2,0\n3,4,1\n", "more than once"),
    ("a,y\n1,1e39\n2,0.5\n", "beyond what a 32-bit float holds"),
])
def test_csv_values_that_would_change_silently_are_refused(tmp_path, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        load_csv(str(path))


# ----- images -------------------------------------------------------------------------------------------
def _patched_jpeg(width: int, height: int, progressive: bool) -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(stream, "JPEG", progressive=progressive)
    data = bytearray(stream.getvalue())
    marker = data.find(b"\xff\xc2" if progressive else b"\xff\xc0")
    struct.pack_into(">HH", data, marker + 5, height, width)
    return bytes(data)


def _png_claiming(width: int, height: int, mode: str = "I;16") -> bytes:
    stream = io.BytesIO()
    Image.new(mode, (4, 4)).save(stream, "PNG")
    data = bytearray(stream.getvalue())
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _gif_with_screen(width: int, height: int) -> bytes:
    stream = io.BytesIO()
    Image.new("P", (4, 4)).save(stream, "GIF")
    data = bytearray(stream.getvalue())
    struct.pack_into("<HH", data, 6, width, height)
    return bytes(data)


@pytest.mark.parametrize(("name", "content"), [
    ("progressive.jpg", lambda: _patched_jpeg(13000, 13000, progressive=True)),
    ("screen.gif", lambda: _gif_with_screen(10000, 8000)),
    ("deep.png", lambda: _png_claiming(8900, 8900)),
])
def test_small_files_claiming_huge_images_are_refused_before_decoding(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content())
    assert path.stat().st_size < 2000
    started = time.perf_counter()
    with pytest.raises(DatasetError, match="too large to open safely"):
        open_image(path)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("size", [(8200, 3), (4097, 1), (3, 8200)])
def test_long_thin_jpegs_open(tmp_path, size):
    path = tmp_path / "thin.jpg"
    Image.new("RGB", size, (10, 200, 10)).save(path, quality=90)
    image = open_image(path)
    assert max(image.size) <= 4096 and min(image.size) >= 1


def test_only_listed_formats_are_decoded(tmp_path):
    """EPS would run Ghostscript; Strata never tries it, whatever the file is called."""
    path = tmp_path / "drawing.png"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(DatasetError, match="not an image Strata can read"):
        open_image(path)
