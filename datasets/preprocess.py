"""Preparing one image exactly as a dataset's samples were prepared (for inspection of the user's image)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence

from datasets.base import DatasetError, Preprocessing

MAX_PIXELS = 80_000_000


def open_image(path: str | Path, max_side: int = 4096) -> Image.Image:
    """Read an image file (first frame of an animation) as an RGB or L PIL image, scaled down so its longer
    side is at most `max_side` (JPEG decodes at reduced size directly: a 10000x10000 photo never needs
    its full-size buffer). DatasetError says plainly what is wrong with a bad file."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise DatasetError(f"{path.name} is empty (0 bytes)")
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS and image.format != "JPEG":
                raise DatasetError(f"{path.name} is {width}x{height} pixels, too large to open safely; "
                                   "resize it first")
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 size
            frame = next(ImageSequence.Iterator(image)).copy()
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(f"there is no file {path}") from None
    except Image.DecompressionBombError:
        raise DatasetError(f"{path.name} is too large to open safely; resize it first") from None
    except (OSError, SyntaxError, ValueError) as error:
        if "cannot identify image file" in str(error):
            raise DatasetError(f"{path.name} is not an image Strata can read (PNG, JPEG, BMP, GIF, TIFF, WebP)") \
                from None
        raise DatasetError(f"{path.name} is damaged or truncated ({error})") from None
    frame = ImageOps.exif_transpose(frame)
    if max(frame.size) > max_side:
        frame.thumbnail((max_side, max_side))
    if frame.mode not in ("RGB", "L"):
        frame = frame.convert("RGBA").convert("RGB") if "A" in frame.mode or frame.mode == "P" else \
            frame.convert("RGB")
    return frame


def prepare_image(image: Image.Image | np.ndarray, preprocessing: Preprocessing) -> tuple[np.ndarray, list[str]]:
    """(float32 array as the model receives it, notes on conversions made) — channels, size and scale as in
    the dataset. A colour image for a grayscale model (or the reverse) is converted, with a note."""
    notes: list[str] = []
    if isinstance(image, np.ndarray):
        array = image
        if array.dtype != np.uint8:
            array = np.clip(array * (255.0 if array.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        image = Image.fromarray(array.squeeze(-1) if array.ndim == 3 and array.shape[-1] == 1 else array)
    channels = preprocessing.channels
    if channels == 1 and image.mode != "L":
        image = image.convert("L")
        notes.append("converted the colour image to grayscale, as the model takes one channel")
    elif channels == 3 and image.mode != "RGB":
        image = image.convert("RGB")
        notes.append("converted the grayscale image to RGB, as the model takes three channels")
    if preprocessing.resize and image.size != (preprocessing.resize[1], preprocessing.resize[0]):
        image = image.resize((preprocessing.resize[1], preprocessing.resize[0]), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2:
        array = array[..., None]
    return array * np.float32(preprocessing.rescale), notes
