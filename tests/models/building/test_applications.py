"""Keras Applications as projects: every network Keras ships imports with Keras's own parameter counts; the
ImageNet scaling is a frozen 1x1 convolution equal to Keras's preprocess_input; ImageNet weights come from Keras's
cache (a file the test makes, offline), and a missing one is a plain message naming the file and the folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from models.building.applications import APPLICATIONS, PREPROCESSING_LAYER, preprocessing_weights
from tests.paths import ROOT


def run_python(code: str, tmp_path, timeout: int = 900) -> str:
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras-home"), "KERAS_BACKEND": "tensorflow",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


OFFLINE = """
    import socket
    def offline(*args, **kwargs):
        raise OSError("network is unreachable (this test runs offline)")
    socket.socket.connect = offline
    socket.create_connection = offline
"""


def test_every_keras_application_imports_with_keras_parameter_counts(tmp_path):
    """In a process of its own: the 40 networks need about 2 GB while they are built."""
    output = run_python(OFFLINE + """
    import gc, keras
    from models.building.applications import APPLICATIONS
    from models.building.keras_import import import_model
    from models.checks.validate import validate
    for name, app in APPLICATIONS.items():
        size = max(app.min_size, 32)
        model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), classes=7)
        report = validate(import_model(model).spec)
        trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
        print(name, model.count_params(), report.total_params, trainable, report.trainable_params, flush=True)
        del model
        keras.backend.clear_session()
        gc.collect()
    """, tmp_path)
    rows = [line.split() for line in output.splitlines() if line and line.split()[0] in APPLICATIONS]
    assert [row[0] for row in rows] == list(APPLICATIONS)
    assert {name for name in APPLICATIONS} == {n for n in dir(keras.applications) if n[0].isupper()}
    for name, keras_count, strata_count, keras_trainable, strata_trainable in rows:
        assert keras_count == strata_count and keras_trainable == strata_trainable, name


@pytest.mark.parametrize("scaling, mode", [("caffe", "caffe"), ("tf", "tf"), ("torch", "torch")])
def test_the_preprocessing_layer_equals_keras_preprocess_input(scaling, mode):
    from keras.applications import imagenet_utils

    pixels = np.random.default_rng(0).random((2, 5, 5, 3)).astype(np.float32)  # Strata's images: 0..1
    kernel, bias = preprocessing_weights(scaling)
    converted = np.einsum("bhwc,cd->bhwd", pixels, kernel[0, 0]) + bias
    expected = imagenet_utils.preprocess_input(pixels * 255.0, mode=mode)
    np.testing.assert_allclose(converted, expected, atol=1e-3)


def test_imagenet_weights_from_keras_cache_offline_and_a_plain_message_when_missing(tmp_path):
    models_folder = tmp_path / "keras-home" / "models"
    models_folder.mkdir(parents=True)
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (models_folder / "imagenet_class_index.json").write_text(json.dumps(index))
    output = run_python(OFFLINE + f"""
    import h5py, numpy as np, keras
    from keras.src.legacy.saving import legacy_h5_format
    from models.building.import_project import project_from_application
    from models.graph.project import KerasImportError
    try:
        project_from_application("ResNet50", "imagenet")
    except KerasImportError as error:
        print("MESSAGE", error)
    keras.utils.set_random_seed(1)
    reference = keras.applications.MobileNetV2(weights=None)  # stands in for the downloaded ImageNet weights
    with h5py.File(r"{models_folder}/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, reference)
    imported = project_from_application("MobileNetV2", "imagenet")
    pixels = np.random.default_rng(2).random((1, 224, 224, 3)).astype("float32")
    expected = reference(keras.applications.mobilenet_v2.preprocess_input(pixels * 255.0)).numpy()
    print("DIFF", float(np.abs(imported.model(pixels).numpy() - expected).max()))
    print("NAMES", imported.record["class_names"][:2], len(imported.record["class_names"]))
    print("FIRST", list(imported.project.spec.nodes)[:2])
    print("FROZEN", imported.project.spec.nodes["{PREPROCESSING_LAYER}"].params["trainable"])
    """, tmp_path)
    message = next(line for line in output.splitlines() if line.startswith("MESSAGE"))
    assert "resnet50_weights_tf_dim_ordering_tf_kernels.h5" in message and str(models_folder) in message
    assert "choose random weights" in message
    assert float(next(line for line in output.splitlines() if line.startswith("DIFF")).split()[1]) < 1e-4
    assert "NAMES ['class 0', 'class 1'] 1000" in output  # shown with spaces, as a person writes them
    assert f"FIRST ['pixels', '{PREPROCESSING_LAYER}']" in output and "FROZEN False" in output


def test_weights_available_looks_in_keras_cache_for_the_networks_own_file(tmp_path, monkeypatch):
    from models.building.applications import weights_available

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert not weights_available("MobileNetV2")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5").write_bytes(b"")
    assert weights_available("MobileNetV2") and not weights_available("ResNet50")
