"""Loading TensorFlow and naming the compute device."""

from models.runtime import RuntimeInfo, load_tensorflow


def test_device_label_names_cpu_or_gpus():
    assert RuntimeInfo("2.21.0", "3.15.1").device_label == "CPU"
    assert RuntimeInfo("2.21.0", "3.15.1", ("NVIDIA H100",)).device_label == "NVIDIA H100"
    assert RuntimeInfo("2.21.0", "3.15.1", ("NVIDIA H100",) * 4).device_label == "4x NVIDIA H100"


def test_load_tensorflow_reports_versions_and_device():
    import tensorflow as tf

    info = load_tensorflow()
    assert info.tensorflow_version == tf.__version__
    assert info.keras_version.startswith("3.")
    expected = "CPU" if not tf.config.list_physical_devices("GPU") else info.gpus[0]
    assert expected in info.device_label
    assert info.summary.startswith(f"TensorFlow {tf.__version__}")
