"""Loading TensorFlow and describing where it computes (CPU or GPU).

Importing TensorFlow takes seconds, so the GUI calls `load_tensorflow` from a background thread
after the window is painted; the CLI calls it directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from models.environment import configure_keras_environment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuntimeInfo:
    """What the status bar and the About box say about the compute back end."""

    tensorflow_version: str
    keras_version: str
    gpus: tuple[str, ...] = field(default_factory=tuple)

    @property
    def device_label(self) -> str:
        """'CPU', or the GPU's name ('NVIDIA H100 80GB HBM3'), with a count when there are several."""
        if not self.gpus:
            return "CPU"
        if len(self.gpus) == 1:
            return self.gpus[0]
        return f"{len(self.gpus)}x {self.gpus[0]}"

    @property
    def summary(self) -> str:
        return f"TensorFlow {self.tensorflow_version} · Keras {self.keras_version} · {self.device_label}"


def load_tensorflow() -> RuntimeInfo:
    """Import TensorFlow and Keras, turn on GPU memory growth, and report versions and devices.

    Memory growth keeps TensorFlow from taking the whole GPU at start, so the feature-map probe and
    other processes can share it; it must be set before any GPU is initialised, hence here.
    """
    configure_keras_environment()
    import keras
    import tensorflow as tf

    gpu_names: list[str] = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError as error:  # already initialised by someone else: harmless
            log.debug("memory growth not set on %s: %s", gpu.name, error)
        details = tf.config.experimental.get_device_details(gpu)
        gpu_names.append(details.get("device_name") or gpu.name)
    return RuntimeInfo(tf.__version__, keras.__version__, tuple(gpu_names))


def freeze_long_lived_objects() -> int:
    """Move every object alive now (TensorFlow's and Keras's ~370,000 after import) out of the garbage
    collector's reach, so its full collections scan only what was made since. Without it a full collection
    during training held Python's lock for 150-220 ms and froze the window (bench/training.py: largest gap
    between ticks of a 10 ms timer 179 ms without, 51 ms with). Call once, after TensorFlow has loaded."""
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

