"""The user's own images: a folder with one subfolder per class (Keras's `image_dataset_from_directory`
convention), streamed through `tf.data` so a folder larger than memory trains.

Every file is checked before training (PIL reads the header and verifies the data):
a file that is not an image, is empty, truncated or absurdly large is skipped and listed with its reason,
never fatal. Decoding is TensorFlow's own (PNG, JPEG incl. CMYK, BMP, GIF first frame, 16-bit, alpha),
then every image is converted to the chosen channels, resized and rescaled to 0-1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from datasets.base import (
    Dataset,
    DatasetError,
    DatasetInfo,
    Preprocessing,
    Progress,
    SkippedFile,
    Split,
    class_counts,
)
from datasets.file_checks import file_problem

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}  # what tf.io.decode_image reads
MAX_PIXELS = 50_000_000  # beyond this an image is skipped: decoding it would need gigabytes
DECODABLE_FORMATS = {"PNG", "JPEG", "BMP", "GIF"}  # the content, whatever the file is called
IDENTIFIED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")  # recognised (to say why one is skipped); no
# other Pillow plugin is ever tried


def check_image(path: Path) -> str | None:
    """Why `path` cannot be used as a training image, or None. Reads the header and verifies the data
    without decoding the pixels, so a 20000x20000 image costs nothing."""
    try:
        problem = file_problem(path, "image")
        if problem:
            return problem
        if path.stat().st_size == 0:
            return "empty file (0 bytes)"
        with Image.open(path, formats=IDENTIFIED_FORMATS) as image:
            width, height = image.size
            if image.format not in DECODABLE_FORMATS:
                return f"a {image.format} image, which training cannot decode: convert it to PNG or JPEG"
            if width * height > MAX_PIXELS:
                return f"too large ({width}x{height} pixels); resize it below {MAX_PIXELS // 1_000_000} megapixels"
            if image.format == "JPEG":  # verify() does not read JPEG data: decode, at 1/8 size, to be sure
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
            else:
                image.verify()
    except Image.DecompressionBombError:
        return f"too large to decode safely; resize it below {MAX_PIXELS // 1_000_000} megapixels"
    except (OSError, SyntaxError, ValueError) as error:
        message = str(error) or type(error).__name__
        if "cannot identify image file" in message:
            return "not an image (its content is not PNG, JPEG, BMP or GIF)"
        return f"unreadable or damaged image ({message})"
    return None


def scan_folder(folder: Path, progress: Progress | None = None) -> tuple[list[str], list[Path], list[int],
                                                                          list[SkippedFile]]:
    """(class names, usable image paths, their labels, skipped files) for a class-per-subfolder folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        loose = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        hint = (f" It holds {len(loose)} images directly: put them in one subfolder per class "
                "(e.g. cats/, dogs/).") if loose else ""
        raise DatasetError(f"{folder.name} has no class subfolders.{hint}")
    candidates: list[tuple[Path, int]] = []
    skipped: list[SkippedFile] = []
    for label, name in enumerate(classes):
        for root, _dirs, files in os.walk(folder / name):
            for file_name in sorted(files):
                path = Path(root) / file_name
                if file_name.startswith("."):
                    continue
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    candidates.append((path, label))
                else:
                    skipped.append(SkippedFile(str(path.relative_to(folder)), "not an image file type"))
    progress = progress or Progress()
    paths, labels = [], []
    # One thread: the check reads headers and checksums (~20 us per small PNG); a thread pool was slower.
    for index, (path, label) in enumerate(candidates):
        if index % 256 == 0:
            progress.step(index, len(candidates), "checking images")
        problem = check_image(path)
        if problem:
            skipped.append(SkippedFile(str(path.relative_to(folder)), problem))
        else:
            paths.append(path)
            labels.append(label)
    if not paths:
        raise DatasetError(f"{folder.name} holds no readable images (PNG, JPEG, BMP or GIF) in its class folders"
                           + (f"; {len(skipped)} file(s) were skipped" if skipped else ""))
    present = sorted(set(labels))
    if len(present) < 2:
        only = classes[present[0]]
        raise DatasetError(f"{folder.name} has images of one class only ('{only}'): a classifier needs at least "
                           "two class subfolders with images")
    return classes, paths, labels, skipped


def image_loader(size: tuple[int, int], channels: int):
    """The one way a file becomes a sample: (path, label) -> (float32 image in 0-1, label), in TensorFlow."""
    import tensorflow as tf

    @tf.autograph.experimental.do_not_convert
    def load(path, label):
        # uint8 decode (16-bit PNGs are scaled down by TensorFlow), resize to float, then 0-1:
        # the same steps as image_dataset_from_directory plus the rescale.
        # decode as RGB (BMP and GIF decoders cannot give one channel), then convert: gray = luminance
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        if channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        image = tf.image.resize(image, size) * (1.0 / 255.0)
        image.set_shape((*size, channels))
        return image, label

    return load


def image_pipeline(paths: list[str], labels: list[int], size: tuple[int, int], channels: int):
    """An unbatched tf.data pipeline of (float32 image in 0-1, label), decoding in parallel."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((paths, np.asarray(labels, dtype=np.int64)))
    # ignore_errors: a file that changed on disk since the check must not stop a training run
    return dataset.map(image_loader(size, channels), num_parallel_calls=tf.data.AUTOTUNE).ignore_errors()


def image_reader(paths: list[str], labels: list[int], size: tuple[int, int],
                 channels: int) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    """Sample i read straight from its file, as the pipeline makes it: picking sample 5,000 for inspection
    decodes one image, not the 5,000 before it."""
    load = image_loader(size, channels)

    def read(index: int) -> tuple[np.ndarray, np.ndarray]:
        try:
            image, label = load(paths[index], np.int64(labels[index]))
        except Exception as error:  # a file changed or gone since the folder was checked
            raise DatasetError(f"{Path(paths[index]).name} could not be read: {error}") from error
        return np.asarray(image), np.asarray(label)

    return read


def image_split(paths: list[str], labels: list[int], size: tuple[int, int], channels: int) -> Split:
    return Split(pipeline=image_pipeline(paths, labels, size, channels), count=len(paths),
                 read=image_reader(paths, labels, size, channels))


def load_image_folder(path: str = "", image_size: int = 64, color: bool = True, validation_split: float = 0.2,
                      seed: int = 0, progress: Progress | None = None) -> Dataset:
    if not path:
        raise DatasetError("choose a folder with one subfolder of images per class")
    if not 0.0 <= validation_split < 1.0:
        raise DatasetError(f"validation_split must be at least 0 and below 1, got {validation_split}")
    folder = Path(path).expanduser()
    classes, paths, labels, skipped = scan_folder(folder, progress)
    order = np.random.default_rng(seed).permutation(len(paths))
    paths_sorted = [str(paths[i]) for i in order]
    labels_sorted = [labels[i] for i in order]
    cut = int(round(len(paths_sorted) * (1 - validation_split)))
    size, channels = (image_size, image_size), 3 if color else 1
    train = image_split(paths_sorted[:cut], labels_sorted[:cut], size, channels)
    validation = image_split(paths_sorted[cut:], labels_sorted[cut:], size, channels) if cut < len(paths) else None
    info = DatasetInfo(
        name=folder.name, input_shape=(image_size, image_size, channels), task="classification",
        class_names=classes, counts={"train": cut, **({"validation": validation.count} if validation else {})},
        class_counts=class_counts(np.asarray(labels_sorted[:cut]), len(classes)),
        preprocessing=Preprocessing(resize=size, channels=channels, rescale=1 / 255),
        description=f"{len(paths)} images in {len(classes)} classes from {folder}"
        + (f"; {len(skipped)} file(s) skipped" if skipped else ""))
    return Dataset(info, train, validation, skipped=skipped)
