"""The user's own data: image folders, .npz and .csv, with every kind of bad input written by the test."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from datasets.arrays import load_csv, load_npz
from datasets.base import DatasetError, Preprocessing, Split
from datasets.image_folder import check_image, load_image_folder
from datasets.preprocess import open_image, prepare_image


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that declares width x height but holds no pixels: a huge image without the memory to make one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


def save(path: Path, mode: str = "RGB", size=(20, 20), color=(200, 30, 30), fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "L" and isinstance(color, tuple):
        color = color[0]
    Image.new(mode, size, color).save(path, format=fmt)
    return path


@pytest.fixture
def messy_folder(tmp_path) -> Path:
    """Two classes, every awkward file a user's folder may hold."""
    root = tmp_path / "pets"
    for i in range(6):
        save(root / "cats" / f"cat{i}.png", size=(20 + i, 30))  # mixed sizes
        save(root / "dogs" / f"dog{i}.jpg", color=(30, 30, 200))
    save(root / "cats" / "gray.png", mode="L", color=128)  # grayscale among RGB
    save(root / "cats" / "alpha.png", mode="RGBA", color=(10, 200, 10, 100))  # RGBA
    save(root / "dogs" / "cmyk.jpg", mode="CMYK", color=(0, 255, 0, 0))  # CMYK JPEG
    Image.fromarray(np.full((16, 16), 40000, np.uint16)).save(root / "dogs" / "deep.png")  # 16-bit PNG
    full = save(root / "dogs" / "whole.png").read_bytes()
    (root / "dogs" / "truncated.png").write_bytes(full[: len(full) // 2])
    whole_jpeg = save(root / "cats" / "whole.jpg", size=(64, 64)).read_bytes()
    (root / "cats" / "truncated.jpg").write_bytes(whole_jpeg[:200])
    (root / "cats" / "empty.png").write_bytes(b"")  # 0 bytes
    (root / "dogs" / "notes.jpg").write_text("this is not a picture")  # text named .jpg
    (root / "dogs" / "readme.txt").write_text("hello")
    png_header_only(root / "cats" / "huge.png", 20000, 20000)
    return root


def test_image_folder_skips_and_lists_bad_files_and_streams_the_rest(messy_folder):
    data = load_image_folder(str(messy_folder), image_size=24, color=True, validation_split=0.25)
    reasons = {Path(s.path).name: s.reason for s in data.skipped}
    assert set(reasons) == {"truncated.png", "truncated.jpg", "empty.png", "notes.jpg", "readme.txt", "huge.png"}
    assert "0 bytes" in reasons["empty.png"] and "not an image" in reasons["notes.jpg"]
    assert "too large" in reasons["huge.png"] and "damaged" in reasons["truncated.png"]
    assert data.info.class_names == ["cats", "dogs"]
    usable = 6 + 6 + 3 + 3  # + gray, alpha, whole.jpg in cats; cmyk, deep, whole.png in dogs
    assert data.train.count + data.validation.count == usable
    images = [x for x, _ in data.train.pipeline] + [x for x, _ in data.validation.pipeline]
    assert len(images) == usable
    assert all(tuple(x.shape) == (24, 24, 3) for x in images)
    assert all(0.0 <= float(x.numpy().min()) and float(x.numpy().max()) <= 1.0 for x in images)
    assert "6 file(s) skipped" in data.info.description


def test_a_sample_of_an_image_folder_is_read_from_its_file_as_the_pipeline_makes_it(messy_folder):
    """Picking sample i decodes one file, not the i before it; the result equals the pipeline's i-th element."""
    data = load_image_folder(str(messy_folder), image_size=24, color=True, validation_split=0.25)
    for split in (data.train, data.validation):
        pipeline = [(x.numpy(), int(y)) for x, y in split.pipeline]
        for index in (0, split.count // 2, split.count - 1):
            x, y = split.sample(index)
            np.testing.assert_allclose(x, pipeline[index][0], atol=1e-6)
            assert int(y) == pipeline[index][1]
    walked = Split(pipeline=data.train.pipeline, count=data.train.count)  # a source without random access
    np.testing.assert_allclose(walked.sample(3)[0], data.train.sample(3)[0], atol=1e-6)


def test_a_sample_whose_file_went_away_says_which(messy_folder):
    data = load_image_folder(str(messy_folder), image_size=24, color=True, validation_split=0)
    first = data.train.sample(0)[0]
    assert first.shape == (24, 24, 3)
    for path in messy_folder.rglob("*"):
        if path.is_file():
            path.unlink()
    with pytest.raises(DatasetError, match="could not be read"):
        data.train.sample(1)


def test_sixteen_bit_png_is_scaled_like_an_eight_bit_one(tmp_path):
    root = tmp_path / "depth"
    (root / "a").mkdir(parents=True)
    Image.fromarray(np.full((8, 8), 65535, np.uint16)).save(root / "a" / "x.png")
    save(root / "b" / "y.png", mode="L", size=(8, 8), color=255)
    data = load_image_folder(str(root), image_size=8, color=False, validation_split=0)
    values = sorted(float(x.numpy().max()) for x, _ in data.train.pipeline)
    assert values == pytest.approx([1.0, 1.0])


def test_grayscale_option_gives_one_channel(messy_folder):
    data = load_image_folder(str(messy_folder), image_size=16, color=False, validation_split=0)
    x, _ = data.preview(4)
    assert x.shape == (4, 16, 16, 1)
    assert data.info.preprocessing == Preprocessing(resize=(16, 16), channels=1, rescale=1 / 255)


@pytest.mark.parametrize("layout, message", [
    ({}, "no class subfolders"),
    ({"loose.png": None}, "put them in one subfolder per class"),
    ({"cats/a.png": None, "cats/b.png": None}, "one class only"),
    ({"cats/a.txt": "x", "dogs/b.txt": "y"}, "no readable images"),
])
def test_folders_that_cannot_train_say_why(tmp_path, layout, message):
    root = tmp_path / "data"
    root.mkdir()
    for name, text in layout.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            save(path)
        else:
            path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        load_image_folder(str(root))


def test_check_image_never_decodes_a_huge_image(tmp_path):
    png_header_only(tmp_path / "huge.png", 20000, 20000)
    assert "too large" in check_image(tmp_path / "huge.png")


# ----- .npz --------------------------------------------------------------------------------------------------
def test_npz_with_train_and_test_arrays(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x_train=np.random.rand(50, 4), y_train=np.arange(50) % 3, x_test=np.random.rand(5, 4),
             y_test=np.arange(5) % 3)
    data = load_npz(str(path), validation_split=0.2)
    assert data.info.input_shape == (4,) and data.info.num_classes == 3
    assert (data.train.count, data.validation.count, data.test.count) == (40, 10, 5)


def test_npz_with_x_and_y_string_and_one_hot_labels(tmp_path):
    np.savez(tmp_path / "s.npz", x=np.random.rand(6, 2), y=np.array(["b", "a", "b", "a", "c", "c"]))
    assert load_npz(str(tmp_path / "s.npz"), validation_split=0).info.class_names == ["a", "b", "c"]
    np.savez(tmp_path / "h.npz", x=np.random.rand(4, 2), y=np.eye(4))
    assert load_npz(str(tmp_path / "h.npz"), validation_split=0).info.num_classes == 4
    np.savez(tmp_path / "r.npz", x=np.random.rand(30, 2), y=np.random.rand(30))
    assert load_npz(str(tmp_path / "r.npz"), validation_split=0).info.task == "regression"


@pytest.mark.parametrize("arrays, message", [
    ({"a": np.zeros(3)}, "must hold arrays named x_train and y_train"),
    ({"x": np.zeros((5, 2)), "y": np.zeros(4)}, "5 samples but its labels have 4"),
    ({"x_train": np.full((3, 2), np.nan), "y_train": np.zeros(3)}, "NaN"),
])
def test_npz_problems(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        load_npz(str(tmp_path / "bad.npz"))


def test_npz_that_is_not_an_npz(tmp_path):
    (tmp_path / "fake.npz").write_text("hello")
    with pytest.raises(DatasetError, match="not a readable NumPy"):
        load_npz(str(tmp_path / "fake.npz"))


# ----- .csv --------------------------------------------------------------------------------------------------
def test_csv_with_text_labels(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("length,width,species\n1.0,2.0,setosa\n1.5,2.5,virginica\n0.5,1.0,setosa\n2,3,versicolor\n")
    data = load_csv(str(path), validation_split=0)
    assert data.info.class_names == ["setosa", "versicolor", "virginica"]
    assert data.train.x.shape == (4, 2)
    with pytest.raises(DatasetError, match="column 'species' is not numeric"):
        load_csv(str(path), label_column="width")  # then the text column is a feature, and says so


@pytest.mark.parametrize("text, label, message", [
    ("a,b,y\n1,,0\n2,3,1\n", "", "column 'b' has 1 empty cell"),
    ("a,b,y\n1,x,0\n2,3,1\n", "", "column 'b' is not numeric \\(line 2: 'x'\\)"),
    ("a,b,y\n1,2,0\n", "label", "no column 'label'; its columns are: a, b, y"),
    ("a,b,y\n1,2\n", "", "line 2: 2 values"),
    ("a,b,y\n", "", "at least one data row"),
])
def test_csv_problems(tmp_path, text, label, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        load_csv(str(path), label_column=label)


# ----- one image prepared like the dataset (for inspection) ------------------------------------------------------
def test_prepare_image_converts_channels_with_a_note_and_resizes(tmp_path):
    photo = open_image(save(tmp_path / "p.png", size=(40, 30)))
    array, notes = prepare_image(photo, Preprocessing(resize=(28, 28), channels=1, rescale=1 / 255))
    assert array.shape == (28, 28, 1) and array.max() <= 1.0 and "grayscale" in notes[0]
    gray = open_image(save(tmp_path / "g.png", mode="L"))
    array, notes = prepare_image(gray, Preprocessing(resize=(8, 8), channels=3, rescale=1.0))
    assert array.shape == (8, 8, 3) and "RGB" in notes[0]


def test_open_image_refuses_bad_files_plainly(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("no")
    png_header_only(tmp_path / "huge.png", 20000, 20000)
    for name, message in (("empty.png", "empty"), ("text.jpg", "not an image"), ("huge.png", "too large"),
                          ("missing.png", "no file")):
        with pytest.raises(DatasetError, match=message):
            open_image(tmp_path / name)


def test_grayscale_folders_read_gif_and_bmp_and_partly_truncated_jpegs_are_listed(tmp_path):
    root = tmp_path / "mixed"
    for name in ("a", "b"):
        save(root / name / "one.gif", mode="P", color=3, fmt="GIF")
        save(root / name / "two.bmp", fmt="BMP")
        save(root / name / "three.png")
    photo = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)).save(photo, quality=95)
    data = photo.read_bytes()
    (root / "a" / "cut.jpg").write_bytes(data[: int(len(data) * 0.8)])  # the header is fine, the pixels stop
    tiff = tmp_path / "t.tiff"
    Image.new("RGB", (8, 8)).save(tiff)
    (root / "b" / "tiff.jpg").write_bytes(tiff.read_bytes())  # TIFF content under a .jpg name
    dataset = load_image_folder(str(root), image_size=12, color=False, validation_split=0)
    reasons = {Path(s.path).name: s.reason for s in dataset.skipped}
    assert set(reasons) == {"cut.jpg", "tiff.jpg"} and "TIFF" in reasons["tiff.jpg"]
    images = [x for x, _ in dataset.train.pipeline]
    assert len(images) == dataset.train.count == 6  # nothing silently dropped in the pipeline
    assert all(tuple(x.shape) == (12, 12, 1) for x in images)


def test_whole_number_targets_become_the_classes_present():
    from datasets.arrays import _labels

    ratings, names = _labels(np.array([1, 5, 3, 5, 1]), "t")
    assert names == ["1", "3", "5"] and ratings.tolist() == [0, 2, 1, 2, 0]
    dense, names = _labels(np.array([0, 2, 1, 2]), "t")
    assert names == ["0", "1", "2"] and dense.tolist() == [0, 2, 1, 2]
    with pytest.raises(DatasetError, match="NaN"):
        _labels(np.array([0.5, np.nan]), "t")


def test_packaged_datasets_record_the_rescale_a_users_image_needs():
    from datasets.packaged import load_digits, load_faces

    white = Image.new("L", (40, 40), 255)
    for data in (load_digits(), load_faces()):
        array, _notes = prepare_image(white, data.info.preprocessing)
        assert array.max() == pytest.approx(1.0)  # as bright as the brightest training sample
