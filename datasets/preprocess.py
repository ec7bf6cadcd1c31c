"""Preparing one image exactly as a dataset's samples were prepared (for inspection of the user's image).

A user's image may be any size, so large ones are scaled down *while* decoding where the format allows:

* JPEG decodes directly at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, via `draft`).
* 8-bit, non-interlaced PNG (what a pasted screenshot becomes) is inflated a strip of rows at a time; each
  strip is decoded by Pillow as a small PNG of its own, starting from the previous strip's last row so the
  row filters stay exact, and box-averaged down (`Image.reduce`).
* Anything else is decoded at full size, so it is refused above MAX_PIXELS; so is a progressive JPEG
  (libjpeg keeps every DCT coefficient of it, whatever the output scale).

What is opened is limited to the formats Strata lists (Pillow would otherwise try every plugin it has, EPS
through Ghostscript included, whatever the file is called), and to regular files (a named pipe blocks).

Growth of peak memory (ru_maxrss, in a fresh process) opening an image with max_side=4096 (Pillow 13):
  10000x10000 RGB, Pillow's own full decode then `thumbnail` (JPEG or PNG):  ~605 MB, ~1 s
  10000x10000 RGB baseline JPEG: decoded at 1/4 scale to 2500x2500:          ~26 MB, 0.05 s
  10000x10000 RGB PNG: in strips, reduced by 3 to 3334x3334 (45 MB of it):   ~56 MB, 0.9 s
  6000x4000 RGB PNG, photo-like (43 MB file): full decode 199 MB, 0.62 s; in strips 35 MB, 0.53 s
A progressive JPEG costs more: libjpeg keeps all its DCT coefficients whatever the output scale (10000x10000
at 4:2:0: ~312 MB, 0.4 s), still about half a full decode.
"""

from __future__ import annotations

import io
import itertools
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, UnidentifiedImageError

from datasets.base import DatasetError, Preprocessing
from datasets.file_checks import file_problem

MAX_PIXELS = 25_000_000  # decoded at full size: 16-bit gray stretched through float32 peaks near 10 bytes a pixel
FORMATS = "PNG, JPEG, BMP, GIF, TIFF, WebP"
PILLOW_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")  # the only decoders Pillow may try
_STRIP_BYTES = 1 << 20  # raw PNG rows inflated and decoded at a time
_PNG_CHANNELS = {"L": 1, "P": 1, "LA": 2, "RGB": 3, "RGBA": 4}  # 8-bit PNG raw modes, repacked losslessly
_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_SIGNATURES = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"II*\0": "TIFF", b"MM\0*": "TIFF",
               b"RIFF": "WebP"}
# What Pillow's decoders raise on malformed input besides OSError (SyntaxError, struct.error, zlib.error...).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError,
                  struct.error, zlib.error)


class _TruncatedError(Exception):
    """The file ended while pixels were still expected."""


class _StrictReader:
    """A file wrapper that raises _TruncatedError when pixel data runs out, so a cut-off file is refused even if
    something in the process set `ImageFile.LOAD_TRUNCATED_IMAGES` (Pillow then fills the rest with grey)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.image: Image.Image | None = None  # once set, its pending tiles mean pixel data is still expected

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not data and size != 0 and self.image is not None and getattr(self.image, "tile", None):
            raise _TruncatedError()
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.raw.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()


def open_image(path: str | Path, max_side: int = 4096) -> Image.Image:
    """Read an image file (first frame of an animation, EXIF-upright) as an RGB or L PIL image whose longer side
    is at most `max_side` (a large JPEG or PNG is reduced while decoding by a whole factor, so it may come out as
    small as about half of that). DatasetError says plainly what is wrong with a bad file."""
    path = Path(path)
    problem = file_problem(path, "image")
    if problem:
        raise DatasetError(problem)
    try:
        with path.open("rb") as file:
            return _open(file, path.name, max_side)
    except FileNotFoundError:
        raise DatasetError(f"there is no file {path}") from None
    except IsADirectoryError:
        raise DatasetError(f"{path} is a folder, not an image file") from None
    except PermissionError:
        raise DatasetError(f"Strata is not allowed to read {path.name} (permission denied)") from None


def open_image_bytes(data: bytes, name: str = "pasted image", max_side: int = 4096) -> Image.Image:
    """As `open_image`, for an image held in memory (a clipboard paste, saved as PNG); `name` is for messages."""
    return _open(io.BytesIO(data), name, max_side)


def _open(file: IO[bytes], name: str, max_side: int) -> Image.Image:
    """The one decoding path behind open_image and open_image_bytes: every failure becomes a DatasetError."""
    if not file.read(1):
        raise DatasetError(f"{name} is empty (0 bytes)")
    file.seek(0)
    reader = _StrictReader(file)
    try:
        with warnings.catch_warnings():  # sizes are checked below, and a bad file gets its DatasetError:
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # Pillow's warnings are noise
            warnings.simplefilter("ignore", UserWarning)  # ("Corrupt EXIF data", ...)
            image = Image.open(reader, formats=PILLOW_FORMATS)  # type: ignore[arg-type]  (read/seek/tell)
        reader.image = image
        try:
            with warnings.catch_warnings():  # (TIFF: "Tag data larger than file"; the decode decides)
                warnings.simplefilter("ignore", UserWarning)
                result = _decode(image, reader, name, max_side)
        except BaseException:
            image.close()
            raise
        if result is not image:  # (the decoded image itself is returned as it is, not copied)
            image.close()
        return result
    except DatasetError:
        raise
    except UnidentifiedImageError:
        file.seek(0)
        start = file.read(4)
        kind = next((kind for magic, kind in _SIGNATURES.items() if start.startswith(magic)), None)
        if kind:  # the header says what it should be, but Pillow found no readable image in it
            raise DatasetError(f"{name} starts like a {kind} image but is damaged or truncated") from None
        raise DatasetError(f"{name} is not an image Strata can read ({FORMATS})") from None
    except (Image.DecompressionBombError, MemoryError):
        raise DatasetError(f"{name} is too large to open safely; resize it first") from None
    except _TruncatedError:
        raise DatasetError(f"{name} is truncated: the file ends before the image does") from None
    except _DECODE_ERRORS as error:
        if "truncated" in str(error).lower():  # ("Truncated File Read": cut short within the header)
            raise DatasetError(f"{name} is truncated: the file ends before the image does") from None
        raise DatasetError(f"{name} is damaged and cannot be decoded ({error or type(error).__name__})") from None
    finally:
        reader.image = None


def _decode(image: Image.Image, reader: _StrictReader, name: str, max_side: int) -> Image.Image:
    """Decode the first frame, scaled down while decoding where the format allows, as RGB or L."""
    width, height = image.size
    if image.format == "PNG" and max(width, height) > max_side and _png_in_strips_possible(image):
        orientation = image.getexif().get(0x0112, 1) if "exif" in image.info else 1  # (getexif would load all)
        return _transposed(_png_in_strips(image, reader, max_side), orientation)
    progressive = image.format == "JPEG" and bool(image.info.get("progressive") or image.info.get("progression"))
    if image.format == "JPEG" and not progressive:  # the largest DCT scale that fits: no full-size buffer
        scale = next((s for s in (1, 2, 4, 8) if -(-max(width, height) // s) <= max_side), 8)
        if scale > 1:  # (a side shorter than the scale still asks for one pixel: Pillow divides by it)
            image.draft(None, (max(1, width // scale), max(1, height // scale)))
        width, height = image.size
    if width * height > MAX_PIXELS:
        kind = " (a progressive JPEG)" if progressive else ""
        raise DatasetError(f"{name} is {image.size[0]}x{image.size[1]} pixels{kind}, too large to open safely; "
                           "resize it first (or save it as a baseline JPEG, which opens at any size)")
    image.load()
    orientation = image.getexif().get(0x0112, 1)
    flat = _flatten(image)
    if max(flat.size) > max_side:
        ratio = max_side / max(flat.size)
        size = (max(1, round(flat.width * ratio)), max(1, round(flat.height * ratio)))
        flat = flat.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return _transposed(flat, orientation)


def _transposed(image: Image.Image, orientation: int) -> Image.Image:
    """Turned upright as the EXIF orientation says (camera photos)."""
    method = _ORIENTATION.get(orientation)
    return image if method is None else image.transpose(method)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L: transparency composited on white (as viewers show it, instead of black), palettes expanded,
    16-bit / 32-bit / float gray stretched from its actual range to 0..255 (not clipped to mostly white)."""
    mode = image.mode
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return _stretched(image)
    transparent = "A" in mode or "a" in mode or "transparency" in image.info
    if mode in ("RGB", "L") and not transparent:
        return image
    gray = mode in ("1", "L", "LA", "La") or (mode in ("P", "PA") and _gray_palette(image))
    if transparent:
        image = Image.alpha_composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), image.convert("RGBA"))
    return image.convert("L" if gray else "RGB")


def _stretched(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float gray image as L, its lowest finite value black and its highest white; an image
    of one value is black if that is zero or below, white otherwise."""
    values = np.array(image, dtype=np.float32)
    finite = np.isfinite(values)
    low = float(values.min(where=finite, initial=np.inf)) if finite.any() else 0.0
    high = float(values.max(where=finite, initial=-np.inf)) if finite.any() else 0.0
    if high <= low:
        low, high = min(low, 0.0), max(high, low + 1e-6)
    values -= low
    values *= 255.0 / (high - low)
    values[~finite] = 0.0
    return Image.fromarray(np.rint(np.clip(values, 0.0, 255.0, out=values)).astype(np.uint8), "L")


def _gray_palette(image: Image.Image) -> bool:
    palette = image.getpalette("RGB") or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3))


def _png_in_strips_possible(image: Image.Image) -> bool:
    tile = image.tile
    return (len(tile) == 1 and tile[0][0] == "zip" and tile[0][3] in _PNG_CHANNELS
            and not image.info.get("interlace"))


def _png_in_strips(image: Image.Image, reader: _StrictReader, max_side: int) -> Image.Image:
    """Decode an 8-bit PNG a few rows at a time, reducing each strip by a whole factor as it comes: memory
    stays a few MB plus the result, whatever the image size. The strip PNGs are decoded by Pillow itself;
    each starts with the previous strip's last row (unfiltered) so the next row's filter has its true context."""
    width, height = image.size
    rawmode = image.tile[0][3]
    factor = -(-max(width, height) // max_side)
    row_bytes = 1 + width * _PNG_CHANNELS[rawmode]
    rows = factor * max(1, _STRIP_BYTES // (factor * row_bytes))
    chunks = _png_chunks(reader)
    ihdr, extra = b"", b""
    for kind, data in chunks:
        if kind == b"IDAT":
            break
        if kind == b"IHDR":
            ihdr = data
        elif kind in (b"PLTE", b"tRNS"):
            extra += _png_chunk(kind, data)
    else:
        raise _TruncatedError()
    idat = _inflated(data, (data for _, data in itertools.takewhile(lambda c: c[0] == b"IDAT", chunks)))
    result: Image.Image | None = None
    buffer, previous = bytearray(), b""
    for top in range(0, height, rows):
        count = min(rows, height - top)
        while len(buffer) < count * row_bytes:
            piece = next(idat, b"")
            if not piece:  # the file, or its image data, ends early
                raise _TruncatedError()
            buffer += piece
        raw = (b"\0" + previous if previous else b"") + bytes(buffer[:count * row_bytes])
        del buffer[:count * row_bytes]
        header = _png_chunk(b"IHDR", ihdr[:4] + struct.pack(">I", count + bool(previous)) + ihdr[8:])
        strip = Image.open(io.BytesIO(b"\x89PNG\r\n\x1a\n" + header + extra + _png_chunk(b"IDAT", zlib.compress(raw, 0))
                                      + _png_chunk(b"IEND", b"")))
        strip.load()
        if previous:
            strip = strip.crop((0, 1, width, count + 1))
        previous = strip.crop((0, count - 1, width, count)).tobytes("raw", rawmode)
        reduced = _flatten(strip).reduce(factor)
        if result is None:
            result = Image.new(reduced.mode, (-(-width // factor), -(-height // factor)))
        result.paste(reduced, (0, top // factor))
    assert result is not None
    return result


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_chunks(reader: _StrictReader) -> Iterator[tuple[bytes, bytes]]:
    """(type, data) of each chunk after the signature, CRC-checked: a damaged chunk is not decoded."""
    reader.seek(8)
    while True:
        head = reader.read(8)
        if len(head) < 8:
            raise _TruncatedError()
        length, kind = struct.unpack(">I4s", head)
        data, crc = reader.read(length), reader.read(4)
        if len(data) < length or len(crc) < 4:
            raise _TruncatedError()
        if zlib.crc32(kind + data) != struct.unpack(">I", crc)[0]:
            raise SyntaxError(f"broken {kind.decode('latin-1')} chunk (CRC error)")
        yield kind, data


def _inflated(first: bytes, rest: Iterator[bytes], limit: int = 1 << 20) -> Iterator[bytes]:
    """The zlib stream split over IDAT chunks, inflated in pieces of at most `limit` bytes (a small chunk of
    a flat image can inflate a thousandfold)."""
    inflater = zlib.decompressobj()
    for data in itertools.chain([first], rest):
        while True:
            out = inflater.decompress(data, limit)
            if out:
                yield out
            data = inflater.unconsumed_tail
            if not data and len(out) < limit:
                break


def prepare_image(image: Image.Image | np.ndarray, preprocessing: Preprocessing) -> tuple[np.ndarray, list[str]]:
    """(float32 array as the model receives it, notes on conversions made) — channels, size and scale as in
    the dataset. A colour image for a grayscale model (or the reverse) is converted, with a note."""
    notes: list[str] = []
    if isinstance(image, np.ndarray):
        array = image
        if array.dtype != np.uint8:
            array = np.clip(array * (255.0 if array.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        image = Image.fromarray(array.squeeze(-1) if array.ndim == 3 and array.shape[-1] == 1 else array)
    image = _flatten(image)  # a palette, alpha or 16-bit image as RGB or L first, as open_image gives
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
