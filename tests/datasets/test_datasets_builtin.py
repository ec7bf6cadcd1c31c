"""Built-in, packaged and Keras datasets, the registry, and the dataset/model fit check (no Qt)."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from datasets.base import Cancelled, DatasetError, Progress
from datasets.generated import SHAPE_CLASSES, load_sequences, load_shapes, load_toy2d
from datasets.keras_sets import load_keras_dataset, read_keras_arrays
from datasets.packaged import SAMPLE_PHOTOS, load_digits, load_faces, sample_photo
from datasets.registry import SOURCES, guess_source, load_dataset, resolve_options
from models.checks.data_fit import adapt_model, check_fit
from models.graph.project import model_to_dict
from models.graph.spec import ModelSpec
from models.templates import load_template, template_names


def test_shapes_are_deterministic_by_seed_and_balanced():
    a = load_shapes(size=32, color=True, count_per_class=20, seed=3)
    b = load_shapes(size=32, color=True, count_per_class=20, seed=3)
    c = load_shapes(size=32, color=True, count_per_class=20, seed=4)
    assert np.array_equal(a.train.x, b.train.x) and not np.array_equal(a.train.x, c.train.x)
    assert a.info.input_shape == (32, 32, 3) and a.info.class_names == list(SHAPE_CLASSES)
    assert a.train.count + a.validation.count == 100
    assert sum(a.info.class_counts) == a.train.count
    assert a.train.x.dtype == np.float32 and 0.0 <= a.train.x.min() and a.train.x.max() <= 1.0
    gray = load_shapes(size=28, count_per_class=5, noise=0)
    assert gray.train.x.shape[1:] == (28, 28, 1)


def test_each_shape_class_looks_different():
    """Mean images per class differ (a circle is not a line): the classes are learnable."""
    data = load_shapes(size=28, count_per_class=60, noise=0, rotation=False, validation_split=0)
    means = [data.train.x[data.train.y == c].mean(axis=0) for c in range(len(SHAPE_CLASSES))]
    filled = [m.mean() for m in means]
    assert filled[SHAPE_CLASSES.index("line")] < min(filled[:4])  # a thin line covers the fewest pixels


def test_sequences_label_depends_only_on_the_order_of_marker_and_partner():
    data = load_sequences(length=24, vocabulary=16, count=500, validation_split=0)
    x, y = data.train.x, data.train.y
    assert x.shape == (500, 24) and x.dtype == np.int32 and x.max() < 16 and data.info.input_dtype == "int32"
    for row, label in zip(x, y, strict=True):
        marker, partner = list(row).index(1), list(row).index(2)
        assert (partner > marker) == bool(label)
        assert (row == 1).sum() == 1 and (row == 2).sum() == 1  # bags of tokens cannot tell the classes apart


@pytest.mark.parametrize("kind", ["spirals", "moons", "circles", "xor", "blobs"])
def test_toy2d(kind):
    data = load_toy2d(kind, samples=300, classes=3 if kind in ("spirals", "blobs") else 2)
    assert data.info.input_shape == (2,)
    assert data.info.num_classes == (3 if kind in ("spirals", "blobs") else 2)
    assert data.train.count + data.validation.count in (300, 299)


def test_packaged_real_data_is_offline():
    digits = load_digits()
    assert digits.info.input_shape == (8, 8, 1) and digits.info.num_classes == 10
    assert digits.train.count + digits.validation.count == 1797
    faces = load_faces()
    assert faces.info.input_shape == (25, 25, 1) and faces.info.class_names == ["not a face", "face"]
    assert sum(faces.info.class_counts) == faces.train.count
    for name in SAMPLE_PHOTOS:
        photo = sample_photo(name)
        assert photo.dtype == np.uint8 and photo.shape[0] > 100


def test_cancelling_a_load_stops_it():
    with pytest.raises(Cancelled):
        load_shapes(count_per_class=1000, progress=Progress(is_cancelled=lambda: True))


def test_registry_defaults_options_and_errors():
    assert {"shapes", "sequences", "toy2d", "digits", "faces", "mnist", "fashion_mnist", "cifar10", "cifar100",
            "image_folder", "npz", "csv"} <= set(SOURCES)
    assert resolve_options("shapes", {"size": 40})["size"] == 40
    with pytest.raises(DatasetError, match="no option 'colour'"):
        resolve_options("shapes", {"colour": True})
    with pytest.raises(DatasetError, match="unknown dataset source"):
        load_dataset({"source": "imagenet"})
    with pytest.raises(DatasetError, match="size must be a whole number, got big"):
        load_dataset({"source": "shapes", "options": {"size": "big"}})


def test_every_template_fits_its_own_dataset():
    for name in template_names():
        project = load_template(name)
        data = load_dataset(project.dataset)
        assert check_fit(project.spec, data.info).fits, name


def test_fit_check_names_the_mismatch_and_adapt_repairs_it():
    project = load_template("lenet")  # 28x28x1 -> 5 classes
    data = load_digits()  # 8x8x1, 10 classes
    report = check_fit(project.spec, data.info)
    assert len(report.problems) == 2 and report.can_adapt
    assert "takes (28, 28, 1)" in report.problems[0] and "(8, 8, 1)" in report.problems[0]
    assert "10 classes" in report.problems[1]
    assert report.loss == "sparse_categorical_crossentropy"
    spec = project.spec.copy()
    adapt_model(spec, data.info)
    assert spec.node("image").params["shape"] == [8, 8, 1]
    assert spec.node("dense_3").params["units"] == 10
    # LeNet's 5x5 convolutions do not fit 8x8 once shrunk by pooling: validation says so on the layer itself
    assert check_fit(spec, data.info).fits


def test_adapt_appends_an_output_layer_when_the_model_does_not_end_in_dense():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]}, node_id="x")
    spec.append("Activation", {"activation": "relu"})
    data = load_toy2d("blobs", samples=60, classes=3)
    before = model_to_dict(spec)
    adapt_model(spec, data.info)
    assert model_to_dict(spec) != before
    assert spec.node(spec.output_ids()[0]).params == {"units": 3, "activation": "softmax"}
    assert check_fit(spec, data.info).fits


def test_guess_source(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"")
    assert guess_source(str(tmp_path)) == {"source": "image_folder", "options": {"path": str(tmp_path)}}
    assert guess_source(str(tmp_path / "x.npz"))["source"] == "npz"
    assert guess_source(str(tmp_path / "a.CSV"))["source"] == "csv"
    assert guess_source(str(tmp_path / "a.txt")) is None


# ----- Keras datasets, from files of the real format in a temporary KERAS_HOME ----------------------------
@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def test_mnist_from_the_keras_cache(keras_home):
    rng = np.random.default_rng(0)
    np.savez(keras_home / "mnist.npz", x_train=rng.integers(0, 256, (50, 28, 28), dtype=np.uint8),
             y_train=np.arange(50) % 10, x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
             y_test=np.arange(10))
    data = load_dataset({"source": "mnist", "options": {"validation_split": 0.2}})
    assert data.info.input_shape == (28, 28, 1) and data.info.num_classes == 10
    assert (data.train.count, data.validation.count, data.test.count) == (40, 10, 10)
    assert data.train.x.max() <= 1.0 and data.info.preprocessing.rescale == pytest.approx(1 / 255)


def _idx(path, header: bytes, array: np.ndarray) -> None:
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_the_keras_cache(keras_home):
    folder = keras_home / "fashion-mnist"
    folder.mkdir()
    _idx(folder / "train-labels-idx1-ubyte.gz", b"\0" * 8, np.arange(12) % 10)
    _idx(folder / "train-images-idx3-ubyte.gz", b"\0" * 16, np.full((12, 28, 28), 200))
    _idx(folder / "t10k-labels-idx1-ubyte.gz", b"\0" * 8, np.arange(4))
    _idx(folder / "t10k-images-idx3-ubyte.gz", b"\0" * 16, np.zeros((4, 28, 28)))
    data = load_keras_dataset("fashion_mnist", validation_split=0)
    assert data.train.x.shape == (12, 28, 28, 1) and data.test.x.shape == (4, 28, 28, 1)
    assert data.train.x.max() == pytest.approx(200 / 255)
    assert data.info.class_names[9] == "Ankle boot"


def _cifar_batch(path, count: int, label_key: str) -> None:
    rng = np.random.default_rng(count)
    batch = {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
             label_key.encode(): [int(v) for v in rng.integers(0, 10, count)]}  # plain ints, as in the real files
    with open(path, "wb") as stream:
        pickle.dump(batch, stream)


def test_cifar10_and_cifar100_from_the_keras_cache(keras_home):
    folder = keras_home / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        _cifar_batch(folder / f"data_batch_{i}", 4, "labels")
    _cifar_batch(folder / "test_batch", 3, "labels")
    x_train, y_train, x_test, _ = read_keras_arrays("cifar10")
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (3, 32, 32, 3) and len(y_train) == 20
    folder = keras_home / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    _cifar_batch(folder / "train", 6, "fine_labels")
    _cifar_batch(folder / "test", 2, "fine_labels")
    data = load_keras_dataset("cifar100", validation_split=0)
    assert data.info.input_shape == (32, 32, 3) and data.info.num_classes == 100 and data.test.count == 2


def test_a_cifar_file_with_foreign_objects_is_refused(keras_home):
    folder = keras_home / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(pickle.dumps({b"data": print}))
    with pytest.raises(DatasetError, match="could not be read"):
        load_keras_dataset("cifar100")


def test_offline_without_the_file_says_which_file_to_place(keras_home):
    def offline(_name):  # what keras.utils.get_file raises without a network
        raise Exception("URL fetch failure on https://storage.googleapis.com/mnist.npz: None -- [Errno -2] "
                        "Name or service not known")

    with pytest.raises(DatasetError) as caught:
        read_keras_arrays("mnist", download=offline)
    message = str(caught.value)
    assert "could not be downloaded" in message and str(keras_home / "mnist.npz") in message
    assert "built-in datasets work offline" in message


def test_docs_list_every_source_and_option():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "datasets.md").read_text()
    for name, item in SOURCES.items():
        assert f"| `{name}` |" in text, name
        for param in item.options:
            assert f"`{param.name}`" in text


@pytest.mark.parametrize("size", [8, 12, 16])
def test_small_shapes_images_fit_large_shapes(size):
    """A shape at 90% of a small image once asked for a centre in an empty range (a crash at size 16)."""
    dataset = load_shapes(size=size, count_per_class=20, max_scale=0.9, seed=3)
    assert dataset.train.x.shape[1:3] == (size, size) and dataset.train.x.max() > 0
