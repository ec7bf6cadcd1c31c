"""Real data that ships inside installed packages, so it works offline: scikit-learn's handwritten
digits, scikit-image's faces vs non-faces, and scikit-image's sample photos for the inspection panel."""

from __future__ import annotations

import numpy as np

from datasets.base import Dataset, DatasetError, Preprocessing, Progress, array_info, split_off_validation

# name -> (title, skimage.data function)
SAMPLE_PHOTOS = {
    "cat": ("Chelsea the cat", "chelsea"),
    "astronaut": ("Astronaut Eileen Collins", "astronaut"),
    "coffee": ("A cup of coffee", "coffee"),
    "camera": ("The cameraman", "camera"),
    "rocket": ("A rocket launch", "rocket"),
    "coins": ("Greek coins", "coins"),
}


def load_digits(validation_split: float = 0.2, seed: int = 0, progress: Progress | None = None) -> Dataset:
    """1,797 real handwritten digits, 8x8, values 0-16 (rescaled to 0-1)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[..., None]
    y = bunch.target.astype(np.int64)
    (progress or Progress()).step(len(x), len(x), "digits ready")
    train, validation = split_off_validation(x, y, validation_split, seed)
    info = array_info("Handwritten digits (8x8)", train.x, train.y, [str(d) for d in range(10)],
                      {"train": train, "validation": validation},
                      Preprocessing(resize=(8, 8), channels=1, rescale=1 / 255),  # an 8-bit image -> 0-1
                      "scikit-learn's copy of the UCI handwritten digits: 1,797 images of 8x8 pixels")
    return Dataset(info, train, validation)


def load_faces(validation_split: float = 0.2, seed: int = 0, progress: Progress | None = None) -> Dataset:
    """200 grayscale 25x25 patches from scikit-image: 100 faces (LFW) and 100 non-faces."""
    from skimage.data import lfw_subset

    images = lfw_subset()
    x = images.astype(np.float32)[..., None]
    if x.max() > 1.0:
        x = x / 255.0
    y = np.array([1] * 100 + [0] * 100, dtype=np.int64)  # lfw_subset: the first 100 are faces
    (progress or Progress()).step(len(x), len(x), "faces ready")
    train, validation = split_off_validation(x, y, validation_split, seed)
    info = array_info("Faces vs non-faces (25x25)", train.x, train.y, ["not a face", "face"],
                      {"train": train, "validation": validation},
                      Preprocessing(resize=(25, 25), channels=1, rescale=1 / 255),
                      "scikit-image's lfw_subset: 100 faces and 100 other patches, 25x25 gray")
    return Dataset(info, train, validation)


def sample_photo(name: str) -> np.ndarray:
    """A photo shipped with scikit-image, as uint8 (height, width, 3) or (height, width)."""
    import skimage.data

    if name not in SAMPLE_PHOTOS:
        raise DatasetError(f"no sample photo '{name}'; there are: {', '.join(SAMPLE_PHOTOS)}")
    return np.asarray(getattr(skimage.data, SAMPLE_PHOTOS[name][1])())


# The photos scikit-image ships, for patches of natural-image statistics (the edges lesson): ten scenes.
PATCH_PHOTOS = ("camera", "coffee", "chelsea", "astronaut", "brick", "grass", "gravel", "moon", "coins", "rocket")


def load_photo_patches(size: int = 24, per_photo: int = 500, validation_split: float = 0.2, seed: int = 0,
                       progress: Progress | None = None) -> Dataset:
    """Gray patches cut at random places from ten of scikit-image's photos, labelled by the photo they come from.
    Each patch has its mean removed and the whole set is scaled to unit spread, so what is left to learn from is
    the photos' texture and edges, not their brightness."""
    import skimage.data
    from skimage.color import rgb2gray

    if not 8 <= size <= 64:
        raise DatasetError(f"size must be between 8 and 64 pixels, got {size}")
    progress = progress or Progress()
    rng = np.random.default_rng(seed)
    patches, labels = [], []
    for label, name in enumerate(PATCH_PHOTOS):
        image = np.asarray(getattr(skimage.data, name)())
        image = rgb2gray(image[..., :3]) if image.ndim == 3 else image.astype(np.float64)
        image = (image - image.min()) / max(float(image.max() - image.min()), 1e-8)
        rows = rng.integers(0, image.shape[0] - size, per_photo)
        cols = rng.integers(0, image.shape[1] - size, per_photo)
        for row, col in zip(rows, cols, strict=True):
            patch = image[row:row + size, col:col + size]
            patches.append(patch - patch.mean())
            labels.append(label)
        progress.step(label + 1, len(PATCH_PHOTOS), f"patches of {name}")
    x = np.stack(patches)[..., None].astype(np.float32)
    x /= max(float(x.std()), 1e-8)
    y = np.array(labels, dtype=np.int64)
    order = rng.permutation(len(x))
    train, validation = split_off_validation(x[order], y[order], validation_split, seed)
    info = array_info("Photo patches", train.x, train.y, list(PATCH_PHOTOS), {"train": train, "validation": validation},
                      description=f"{per_photo} gray {size}x{size} patches from each of ten scikit-image photos, "
                                  "labelled by the photo")
    return Dataset(info, train, validation)
