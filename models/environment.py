"""Process-wide settings that must be in place before Keras or TensorFlow is first imported."""

from __future__ import annotations

import os


def configure_keras_environment() -> None:
    """Pin Keras to TensorFlow and quiet TensorFlow's start-up chatter.

    Must run before the first `import keras`: Keras reads KERAS_BACKEND once, at import.
    Values the user already set are kept.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
