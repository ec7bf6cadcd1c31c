"""Turning what the user picks (an image file, pasted bytes, a sample photo, a dataset sample) into the input
the model takes, prepared exactly as the dataset's samples were (`datasets/preprocess.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from datasets.base import Dataset, DatasetError, Preprocessing
from datasets.preprocess import open_image, prepare_image
from models.formatting import dims_text
from models.inspection.probe import InspectionError


@dataclass
class LoadedInput:
    """`original` as it came (uint8 image or raw sample) and `sample` as the model takes it."""

    original: np.ndarray
    sample: np.ndarray
    name: str
    notes: list[str] = field(default_factory=list)
    prepared_for: tuple = ()  # the model input shape it was prepared for
    dataset_sample: tuple[str, int] | None = None  # (split, index) when it is a sample of the loaded data


def preprocessing_for(input_shape: tuple, dataset: Dataset | None) -> Preprocessing:
    """The dataset's preprocessing, completed from the model's Input shape (height, width, channels): what a
    photo must become to be a sample of this model. Without a dataset: resize, convert and scale to 0..1."""
    if len(input_shape) != 3:
        raise InspectionError(f"this model takes {_describe(input_shape)}, not an image: pick a dataset sample "
                              "instead")
    height, width, channels = input_shape
    base = dataset.info.preprocessing if dataset is not None else Preprocessing(rescale=1 / 255)
    if channels not in (1, 3):
        raise InspectionError(f"this model takes images with {channels} channels; photos have 1 or 3")
    if height is None or width is None:  # a model for any image size: the dataset's size, else the photo's own
        return Preprocessing(resize=base.resize, channels=int(channels), rescale=base.rescale)
    return Preprocessing(resize=(int(height), int(width)), channels=int(channels), rescale=base.rescale)


def _describe(shape: tuple) -> str:
    return f"{shape[0]} values per sample" if len(shape) == 1 else dims_text(shape) + " arrays"


def from_file(path: str | Path, input_shape: tuple, dataset: Dataset | None) -> LoadedInput:
    preprocessing = preprocessing_for(input_shape, dataset)
    image = open_image(path)
    sample, notes = prepare_image(image, preprocessing)
    return LoadedInput(np.asarray(image), sample, Path(path).name, notes, tuple(input_shape))


def from_bytes(data: bytes, name: str, input_shape: tuple, dataset: Dataset | None) -> LoadedInput:
    """A pasted or dropped image given as encoded bytes (PNG from the clipboard)."""
    from datasets.preprocess import open_image_bytes

    preprocessing = preprocessing_for(input_shape, dataset)
    image = open_image_bytes(data, name)
    sample, notes = prepare_image(image, preprocessing)
    return LoadedInput(np.asarray(image), sample, name, notes, tuple(input_shape))


def from_photo(name: str, input_shape: tuple, dataset: Dataset | None) -> LoadedInput:
    from datasets.packaged import sample_photo

    preprocessing = preprocessing_for(input_shape, dataset)
    photo = sample_photo(name)
    sample, notes = prepare_image(photo, preprocessing)
    return LoadedInput(photo, sample, f"sample photo: {name}", notes, tuple(input_shape))


def from_dataset(dataset: Dataset, index: int, split: str = "train") -> LoadedInput:
    """Sample `index` of a split, exactly as training sees it (already prepared by the dataset)."""
    part = getattr(dataset, split, None)
    if part is None or not part.count:
        raise DatasetError(f"the dataset has no {split} samples")
    index = int(index) % part.count
    try:
        sample, label = part.sample(index)
    except DatasetError as error:
        raise DatasetError(f"{error} from the {split} data") from error
    names = dataset.info.class_names
    label_text = ""
    if label is not None and np.ndim(label) == 0 and names and 0 <= int(label) < len(names):
        label_text = f" ({names[int(label)]})"
    return LoadedInput(_displayable(sample, dataset.info.preprocessing), sample.astype(np.float32)
                       if sample.dtype.kind == "f" else sample, f"{split} sample {index}{label_text}",
                       prepared_for=tuple(sample.shape), dataset_sample=(split, index))


def prepare_again(loaded: LoadedInput, input_shape: tuple, dataset: Dataset | None,
                  same_data: bool) -> LoadedInput:
    """The pinned input made again for another model or data: a picture is prepared afresh from its original
    (size, channels and scale of the new model and data); a dataset sample is read again while the data is the
    same, and refused once the data has changed (its index means another sample there)."""
    if loaded.dataset_sample is not None:
        if not same_data or dataset is None:
            raise InspectionError(f"the pinned {loaded.name} belonged to the previous data; pick a sample of the "
                                  "data loaded now")
        split, index = loaded.dataset_sample
        return from_dataset(dataset, index, split)
    sample, notes = prepare_image(loaded.original, preprocessing_for(input_shape, dataset))
    return LoadedInput(loaded.original, sample, loaded.name, notes, tuple(input_shape))


def _displayable(sample: np.ndarray, preprocessing: Preprocessing) -> np.ndarray:
    """An image sample back in 0..255 for showing; anything else unchanged."""
    if sample.ndim == 3 and sample.shape[-1] in (1, 3) and sample.dtype.kind == "f":
        scale = 1 / preprocessing.rescale if preprocessing.rescale else 1.0
        shown = np.clip(sample * scale, 0, 255).astype(np.uint8)
        return shown[..., 0] if shown.shape[-1] == 1 else shown
    return sample


def samples_of(dataset: Dataset, split: str = "validation", count: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Up to `count` samples of a split and their labels, prepared exactly as training sees them (the train split
    when the dataset has no validation split): the batch that averages over a dataset use."""
    part = getattr(dataset, split, None)
    if part is None or not part.count:
        part = dataset.train
    if part is None or not part.count:
        raise DatasetError("the dataset has no samples")
    pairs = [part.sample(index) for index in range(min(int(count), part.count))]
    return np.stack([sample for sample, _ in pairs]), np.asarray([label for _, label in pairs])
