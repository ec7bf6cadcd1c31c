"""Keras Applications as Strata projects: the networks Keras ships, with ImageNet weights (downloaded by Keras into
its own cache on first use) or random ones.

Strata's images are pixels in 0..1. Each network expects its own scaling (ResNet and VGG the "caffe" way: BGR,
0..255, ImageNet mean subtracted; MobileNet and Inception -1..1; DenseNet the "torch" way; EfficientNet, ConvNeXt
and MobileNetV3 0..255 with their own preprocessing inside). So a project made here starts with a frozen 1x1
Conv2D named `imagenet_preprocessing` that does exactly that conversion (its 12 weights are the scales, channel
order and means of `keras.applications.imagenet_utils`): the network sees what it was trained on, and the
student sees the conversion as a layer. With another number of classes (or another input size) than ImageNet's,
the ImageNet classifier is replaced by a new Dense head on the pooled features.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.graph.project import KerasImportError

IMAGENET_CLASSES = 1000
PREPROCESSING_LAYER = "imagenet_preprocessing"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Application:
    name: str  # keras.applications.<name>
    family: str
    size: int  # the input size its ImageNet weights were trained at
    min_size: int
    scaling: str  # caffe | tf | torch | raw (0..255 with the model's own preprocessing)
    note: str


def _apps() -> dict[str, Application]:
    rows: list[Application] = []

    def add(names: str, family: str, sizes: tuple[int, ...] | int, min_size: int, scaling: str, note: str) -> None:
        names_list = names.split()
        sizes = sizes if isinstance(sizes, tuple) else (sizes,) * len(names_list)
        rows.extend(Application(n, family, s, min_size, scaling, note) for n, s in zip(names_list, sizes, strict=True))

    add("VGG16 VGG19", "VGG", 224, 32, "caffe", "Plain stacks of 3x3 convolutions (2014): easy to read, very large.")
    add("ResNet50 ResNet101 ResNet152", "ResNet", 224, 32, "caffe",
        "Residual connections let very deep networks train (2015).")
    add("ResNet50V2 ResNet101V2 ResNet152V2", "ResNet", 224, 32, "tf", "ResNet with normalization before each block.")
    add("InceptionV3", "Inception", 299, 75, "tf", "Parallel branches of different kernel sizes, joined (2015).")
    add("InceptionResNetV2", "Inception", 299, 75, "tf", "Inception blocks with residual connections.")
    add("Xception", "Inception", 299, 71, "tf", "Inception taken to the limit: separable convolutions.")
    add("MobileNet", "MobileNet", 224, 32, "tf", "Depthwise separable convolutions for phones (2017).")
    add("MobileNetV2", "MobileNet", 224, 32, "tf", "Inverted residual blocks with ReLU(6): small and fast.")
    add("MobileNetV3Small MobileNetV3Large", "MobileNet", 224, 32, "raw",
        "Searched blocks with squeeze-and-excitation and hard-swish.")
    add("DenseNet121 DenseNet169 DenseNet201", "DenseNet", 224, 32, "torch",
        "Every layer sees the feature maps of all layers before it.")
    add("NASNetMobile", "NASNet", 224, 32, "tf", "Cells found by architecture search.")
    add("NASNetLarge", "NASNet", 331, 32, "tf", "The large searched network.")
    add("EfficientNetB0 EfficientNetB1 EfficientNetB2 EfficientNetB3 EfficientNetB4 EfficientNetB5 EfficientNetB6 "
        "EfficientNetB7", "EfficientNet", (224, 240, 260, 300, 380, 456, 528, 600), 32, "raw",
        "Depth, width and resolution scaled together (2019).")
    add("EfficientNetV2B0 EfficientNetV2B1 EfficientNetV2B2 EfficientNetV2B3 EfficientNetV2S EfficientNetV2M "
        "EfficientNetV2L", "EfficientNet", (224, 240, 260, 300, 384, 480, 480), 32, "raw",
        "EfficientNet, faster to train.")
    add("ConvNeXtTiny ConvNeXtSmall ConvNeXtBase ConvNeXtLarge ConvNeXtXLarge", "ConvNeXt", 224, 32, "raw",
        "A convolutional network redesigned with Transformer ideas (2022).")
    return {app.name: app for app in rows}


APPLICATIONS: dict[str, Application] = _apps()


def keras_cache_folder() -> Path:
    """Where Keras keeps downloaded weights: $KERAS_HOME/models, else ~/.keras/models (as Keras decides it)."""
    try:
        from keras.src.backend.config import keras_home

        return Path(keras_home()) / "models"
    except ImportError:  # a Keras that moved it: its documented default
        return Path(os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")) / "models"


def keras_cache_folder_text() -> str:
    """The same folder, without importing Keras (for the window's dialog)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return str(Path(home) / "models")


def weights_available(name: str) -> bool:
    """ImageNet weights for `name` already in Keras's cache (no download needed): `mobilenet_v2_weights_…h5`."""
    stem = re.sub(r"(?<=[a-z])(?=V\d)", "_", name).lower()
    folder = Path(keras_cache_folder_text())
    return folder.is_dir() and any(f.name.lower().startswith(stem + "_weights") for f in folder.iterdir())


def preprocessing_weights(scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """(kernel (1, 1, 3, 3), bias (3,)) of the 1x1 convolution that turns 0..1 RGB pixels into what a network with
    this `scaling` was trained on (keras.applications.imagenet_utils.preprocess_input)."""
    if scaling == "caffe":  # RGB -> BGR, 0..255, minus the ImageNet mean
        matrix, bias = 255.0 * np.eye(3)[::-1], -np.array(_CAFFE_MEAN_BGR)
    elif scaling == "tf":  # -1..1
        matrix, bias = 2.0 * np.eye(3), -np.ones(3)
    elif scaling == "torch":  # per channel: (x - mean) / std
        matrix, bias = np.diag(1.0 / np.array(_TORCH_STD)), -np.array(_TORCH_MEAN) / np.array(_TORCH_STD)
    else:  # raw: 0..255, the network preprocesses itself
        matrix, bias = 255.0 * np.eye(3), np.zeros(3)
    return matrix.astype(np.float32).reshape(1, 1, 3, 3), bias.astype(np.float32)


def application_model(name: str, weights: str | None = "imagenet", size: int | None = None,
                      classes: int = IMAGENET_CLASSES) -> Any:
    """The Keras model of application `name`, taking 0..1 RGB pixels; KerasImportError when it cannot be made
    (an unknown name, a size below the network's minimum, ImageNet weights that cannot be downloaded)."""
    import keras

    app = APPLICATIONS.get(name)
    if app is None:
        raise KerasImportError(f"keras.applications has no '{name}'; Strata knows {', '.join(APPLICATIONS)}")
    size = size or app.size
    if size < app.min_size:
        raise KerasImportError(f"{name} takes images of at least {app.min_size}x{app.min_size} pixels, not {size}")
    if classes < 1:
        raise KerasImportError(f"the number of classes must be at least 1, not {classes}")
    constructor = getattr(keras.applications, name)
    whole = weights is None or (classes == IMAGENET_CLASSES and size == app.size)
    try:
        if whole:
            network = constructor(weights=weights, input_shape=(size, size, 3), classes=classes, include_top=True)
        else:  # ImageNet features, a new classifier for these classes
            network = constructor(weights=weights, input_shape=(size, size, 3), include_top=False, pooling="avg")
    except Exception as error:  # a failed download, a refused size: a plain message, not a traceback
        raise KerasImportError(_application_failure(name, weights, error)) from error
    pixels = keras.Input((size, size, 3), name="pixels")
    convert = keras.layers.Conv2D(3, 1, name=PREPROCESSING_LAYER, trainable=False)
    outputs = network(convert(pixels))
    if not whole:
        outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(outputs)
    model = keras.Model(pixels, outputs, name=name.lower())
    kernel, bias = preprocessing_weights(app.scaling)
    convert.set_weights([kernel, bias])
    return model


def _application_failure(name: str, weights: str | None, error: Exception) -> str:
    text = str(error)
    url = re.search(r"https?://\S+?\.(?:h5|keras|json)", text)
    if weights == "imagenet" and (url or "URL fetch failure" in text or "fetch" in text.lower()):
        file_name = url.group(0).rsplit("/", 1)[-1] if url else f"the {name} weights file"
        source = f" (from {url.group(0)})" if url else ""
        return (f"The ImageNet weights of {name} are not on this computer and could not be downloaded: put "
                f"{file_name}{source} in {keras_cache_folder()}, or choose random weights.")
    return f"{name} could not be made: {text.splitlines()[0] if text else type(error).__name__}"


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet class names, from the class index Keras downloads into its cache (fetched once); [] when it
    is not there and cannot be downloaded (the Predictions tab then shows class numbers)."""
    import json

    import keras

    try:
        path = keras.utils.get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models")
        index = json.loads(Path(path).read_text(encoding="utf-8"))
        return [index[str(i)][1].replace("_", " ") for i in range(IMAGENET_CLASSES)]
    except Exception:  # offline, or a damaged file: names are a nicety
        return []
