"""A user's image for inspection: every format, awkward modes, huge images (without their full-size decode),
bad files (a DatasetError naming the file, never another exception) and `prepare_image` for the model.
All files are made in tmp_path."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from datasets import preprocess
from datasets.base import DatasetError, Preprocessing
from datasets.preprocess import open_image, open_image_bytes, prepare_image

ROOT = Path(__file__).resolve().parents[2]
RED, BLUE = (200, 30, 30), (20, 60, 220)


def halves(left: tuple[int, ...], right: tuple[int, ...], size: tuple[int, int] = (32, 16)) -> np.ndarray:
    """A (height, width, channels) array: left half one colour, right half another."""
    array = np.empty((size[1], size[0], len(left)), np.uint8)
    array[:, : size[0] // 2], array[:, size[0] // 2:] = left, right
    return array


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(size: tuple[int, int], channels: int, seed: int = 0) -> np.ndarray:
    shape = (size[1], size[0]) + ((channels,) if channels > 1 else ())
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# ----- every format and mode ------------------------------------------------------------------------------------
def animated_gif() -> bytes:
    first, second = Image.new("RGB", (32, 16), (255, 0, 0)), Image.new("RGB", (32, 16), (0, 0, 255))
    return encoded(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)


def gray16() -> bytes:
    image = Image.fromarray(np.tile(np.linspace(1000, 3000, 32).astype(np.uint16), (16, 1)))
    assert image.mode == "I;16"
    return encoded(image, "PNG")


def palette_with_transparency() -> bytes:
    image = Image.fromarray(halves((0,), (1,))[..., 0], "P")
    image.putpalette([0, 0, 0, *BLUE])
    return encoded(image, "PNG", transparency=0)


def gray_palette() -> bytes:
    image = Image.fromarray(halves((0,), (1,))[..., 0], "P")
    image.putpalette([40, 40, 40, 220, 220, 220])
    return encoded(image, "PNG")


def float_tiff() -> bytes:
    return encoded(Image.fromarray(np.tile(np.linspace(-1.0, 3.0, 32, dtype=np.float32), (16, 1)), "F"), "TIFF")


# (file name, bytes, mode expected, {(x, y): pixel expected}, tolerance): pixels at the centre of each half.
FORMATS: list[tuple[str, Callable[[], bytes], str, dict[tuple[int, int], object], int]] = [
    ("rgb.png", lambda: encoded(Image.fromarray(halves(RED, BLUE)), "PNG"), "RGB", {(4, 8): RED, (28, 8): BLUE}, 0),
    ("rgb.jpg", lambda: encoded(Image.fromarray(halves(RED, BLUE)), "JPEG", quality=95), "RGB",
     {(4, 8): RED, (28, 8): BLUE}, 12),
    ("rgb.bmp", lambda: encoded(Image.fromarray(halves(RED, BLUE)), "BMP"), "RGB", {(4, 8): RED, (28, 8): BLUE}, 0),
    ("lzw.tiff", lambda: encoded(Image.fromarray(halves(RED, BLUE)), "TIFF", compression="tiff_lzw"), "RGB",
     {(4, 8): RED, (28, 8): BLUE}, 0),
    ("lossless.webp", lambda: encoded(Image.fromarray(halves(RED, BLUE)), "WEBP", lossless=True), "RGB",
     {(4, 8): RED, (28, 8): BLUE}, 0),
    ("animated.gif", animated_gif, "RGB", {(4, 8): (255, 0, 0), (28, 8): (255, 0, 0)}, 0),  # first frame only
    ("gray16.png", gray16, "L", {(0, 8): 0, (31, 8): 255}, 0),  # stretched from 1000..3000, not clipped to white
    ("rgba.png", lambda: encoded(Image.fromarray(halves((0, 0, 0, 0), (*BLUE, 255))), "PNG"), "RGB",
     {(4, 8): (255, 255, 255), (28, 8): BLUE}, 0),  # transparent pixels are white, not black
    ("half.png", lambda: encoded(Image.fromarray(halves((0, 128), (90, 255)), "LA"), "PNG"), "L",
     {(4, 8): 127, (28, 8): 90}, 1),  # half-transparent black on white: mid grey
    ("palette.png", palette_with_transparency, "RGB", {(4, 8): (255, 255, 255), (28, 8): BLUE}, 0),
    ("cmyk.jpg", lambda: encoded(Image.new("CMYK", (32, 16), (0, 255, 255, 0)), "JPEG", quality=95), "RGB",
     {(4, 8): (255, 0, 0), (28, 8): (255, 0, 0)}, 12),
    ("gray.jpg", lambda: encoded(Image.fromarray(halves((40,), (220,))[..., 0]), "JPEG", quality=95), "L",
     {(4, 8): 40, (28, 8): 220}, 6),
    ("graypalette.png", gray_palette, "L", {(4, 8): 40, (28, 8): 220}, 0),
    ("float.tiff", float_tiff, "L", {(0, 8): 0, (31, 8): 255}, 0),
    ("bilevel.bmp", lambda: encoded(Image.fromarray(halves((0,), (255,))[..., 0]).convert("1"), "BMP"), "L",
     {(4, 8): 0, (28, 8): 255}, 0),
]


@pytest.mark.parametrize(("name", "make", "mode", "pixels", "tolerance"), FORMATS, ids=[f[0] for f in FORMATS])
def test_every_format_opens_as_rgb_or_gray_with_its_colours(tmp_path, name, make, mode, pixels, tolerance):
    path = tmp_path / name
    path.write_bytes(make())
    image = open_image(path)
    assert image.mode == mode and image.size == (32, 16)
    for xy, expected in pixels.items():
        np.testing.assert_allclose(image.getpixel(xy), expected, atol=tolerance, err_msg=f"{name} at {xy}")


def test_bytes_from_the_clipboard_take_the_same_path_as_a_file(tmp_path):
    data = encoded(Image.fromarray(halves((0, 0, 0, 0), (*BLUE, 255))), "PNG")  # as a pasted QImage is saved
    (tmp_path / "p.png").write_bytes(data)
    pasted = open_image_bytes(data)
    assert pasted.mode == "RGB" and pasted.getpixel((4, 8)) == (255, 255, 255)
    assert pasted.tobytes() == open_image(tmp_path / "p.png").tobytes()
    with pytest.raises(DatasetError, match="^pasted image is empty"):
        open_image_bytes(b"")
    with pytest.raises(DatasetError, match="^clipboard text is not an image Strata can read"):
        open_image_bytes(b"just some words", "clipboard text")


def test_exif_orientation_turns_a_camera_photo_upright(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    Image.fromarray(halves(RED, BLUE, (40, 20))).save(tmp_path / "phone.jpg", quality=95, exif=exif)
    image = open_image(tmp_path / "phone.jpg")
    assert image.size == (20, 40)
    np.testing.assert_allclose(image.getpixel((10, 5)), RED, atol=12)  # the left half is now on top


# ----- large images -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "max_side", "size"), [
    ("JPEG", 300, (250, 125)),  # decoded at 1/4 scale: the largest DCT scale that fits
    ("JPEG", 100, (100, 50)),  # even 1/8 is too big: decoded at 1/8, then resized
    ("BMP", 100, (100, 50)),  # no reduced decoding: full size, then resized
    ("PNG", 300, (250, 125)),  # in strips, reduced by 4
])
def test_large_images_come_out_no_longer_than_max_side(tmp_path, fmt, max_side, size):
    path = tmp_path / f"wide.{fmt.lower()}"
    Image.fromarray(halves(RED, BLUE, (1000, 500))).save(path, fmt)
    image = open_image(path, max_side=max_side)
    assert image.size == size and image.mode == "RGB"
    np.testing.assert_allclose(image.getpixel((size[0] - 5, size[1] // 2)), BLUE, atol=12)


def test_large_16_bit_png_is_stretched_and_resized(tmp_path):
    """16-bit PNG is not decoded in strips (its range is only known at the end): full decode, then resize."""
    Image.fromarray(np.tile(np.linspace(1000, 3000, 600).astype(np.uint16), (300, 1))).save(tmp_path / "d.png")
    image = open_image(tmp_path / "d.png", max_side=100)
    assert image.size == (100, 50) and image.mode == "L"
    assert image.getpixel((0, 25)) < 5 and image.getpixel((99, 25)) > 250
    Image.new("I;16", (8, 8), 1234).save(tmp_path / "flat.png")
    assert open_image(tmp_path / "flat.png").getextrema() == (255, 255)  # one value above zero: white


def png_with_every_filter(array: np.ndarray, idat_size: int = 500) -> bytes:
    """An 8-bit PNG whose rows use filters None, Sub, Up, Average and Paeth in turn (Pillow's encoder picks only
    Sub and Up), its data split over many IDAT chunks: strip decoding must get every filter right."""
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    rows = array.reshape(height, width * channels).astype(np.int16)
    data, above = bytearray(), np.zeros(width * channels, np.int16)
    for y, row in enumerate(rows):
        left = np.concatenate([np.zeros(channels, np.int16), row[:-channels]])
        corner = np.concatenate([np.zeros(channels, np.int16), above[:-channels]])
        guess = left + above - corner
        paeth = np.where((abs(guess - left) <= abs(guess - above)) & (abs(guess - left) <= abs(guess - corner)),
                         left, np.where(abs(guess - above) <= abs(guess - corner), above, corner))
        predictor = [0 * row, left, above, (left + above) // 2, paeth][y % 5]
        data += bytes([y % 5]) + ((row - predictor) % 256).astype(np.uint8).tobytes()
        above = row
    stream = zlib.compress(bytes(data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, {1: 0, 2: 4, 3: 2, 4: 6}[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + b"".join(chunk(b"IDAT", stream[i:i + idat_size]) for i in range(0, len(stream), idat_size))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_decoded_in_strips_equals_the_full_decode_reduced(tmp_path, monkeypatch, channels):
    monkeypatch.setattr(preprocess, "_STRIP_BYTES", 1)  # one row of reduced output per strip: many boundaries
    path = tmp_path / "n.png"
    path.write_bytes(png_with_every_filter(noise((97, 61), channels)))
    image = open_image(path, max_side=20)  # reduced by 5; 61 rows is not a multiple of 5
    expected = preprocess._flatten(Image.open(path)).reduce(5)
    assert image.size == expected.size == (20, 13) and image.mode == ("L" if channels < 3 else "RGB")
    assert image.tobytes() == expected.tobytes()


def test_palette_png_with_transparency_decoded_in_strips(tmp_path, monkeypatch):
    monkeypatch.setattr(preprocess, "_STRIP_BYTES", 1)
    path = tmp_path / "p.png"
    palette = Image.fromarray(noise((90, 40), 1), "P")  # 256 colours: 8 bits a pixel (16 would be packed in 4)
    palette.putpalette(noise((768, 1), 1, seed=1).ravel().tolist())
    palette.save(path, transparency=3)
    image = open_image(path, max_side=30)
    assert image.size == (30, 14) and image.mode == "RGB"
    assert image.tobytes() == preprocess._flatten(Image.open(path)).reduce(3).tobytes()


def test_a_png_cut_short_or_corrupted_is_refused_in_strips_too(tmp_path):
    data = png_with_every_filter(noise((300, 200), 3))
    (tmp_path / "cut.png").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(DatasetError, match="^cut.png is truncated"):
        open_image(tmp_path / "cut.png", max_side=100)
    spoiled = bytearray(data)
    spoiled[len(data) // 2] ^= 0xFF  # inside an IDAT chunk: its CRC no longer matches
    (tmp_path / "bad.png").write_bytes(bytes(spoiled))
    with pytest.raises(DatasetError, match=r"^bad.png is damaged .*IDAT chunk \(CRC error\)"):
        open_image(tmp_path / "bad.png", max_side=100)


MEASURE = """
import json, resource, sys
from datasets.preprocess import open_image
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
image = open_image(sys.argv[1])
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux, bytes on macOS
print(json.dumps({"size": image.size, "pixel": image.getpixel((0, 0)),
                  "grown_mb": grown * (1 if sys.platform == "darwin" else 1024) / 1e6}))
"""


@pytest.fixture(scope="module")
def huge(tmp_path_factory) -> Path:
    """A 10000x10000 RGB image as JPEG and as PNG: 300 MB of pixels (400 MB decoded by Pillow), ~1.5 MB each."""
    folder = tmp_path_factory.mktemp("huge")
    image = Image.new("RGB", (10000, 10000), RED)
    image.save(folder / "huge.jpg", quality=90)
    image.save(folder / "huge.png", compress_level=1)
    return folder


@pytest.mark.parametrize(("name", "size"), [("huge.jpg", (2500, 2500)), ("huge.png", (3334, 3334))])
def test_a_10000_pixel_square_image_opens_without_its_full_size_decode(huge, name, size):
    """In a fresh process, so that this process's own memory does not hide the peak."""
    run = subprocess.run([sys.executable, "-c", MEASURE, str(huge / name)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert tuple(result["size"]) == size
    np.testing.assert_allclose(result["pixel"], RED, atol=3)
    assert result["grown_mb"] < 150, f"peak memory grew by {result['grown_mb']:.0f} MB opening {name}"


# ----- bad files ----------------------------------------------------------------------------------------------
def truncated(fmt: str, **options) -> bytes:
    data = encoded(Image.fromarray(noise((64, 64), 3)), fmt, **options)
    return data[: len(data) * 3 // 5]


def png_with_garbage_pixels() -> bytes:
    garbage = noise((4000, 1), 1).tobytes()
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", garbage) + chunk(b"IEND", b"")


def bmp_claiming(width: int, height: int) -> bytes:
    data = bytearray(encoded(Image.new("RGB", (4, 4)), "BMP"))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


BAD_FILES = [
    ("empty.png", lambda: b"", r"empty.png is empty \(0 bytes\)"),
    ("cut.png", lambda: truncated("PNG"), "cut.png is truncated"),
    ("cut.jpg", lambda: truncated("JPEG"), "cut.jpg is truncated"),  # not shown half grey
    ("garbage.png", png_with_garbage_pixels, "garbage.png is damaged and cannot be decoded"),
    ("junk.png", lambda: b"\x89PNG\r\n\x1a\n" + noise((500, 1), 1).tobytes(),
     "junk.png starts like a PNG image but is damaged or truncated"),
    ("notes.png", lambda: b"a text file, renamed", r"notes.png is not an image Strata can read \(PNG, JPEG"),
    ("bomb.png", lambda: b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
     + chunk(b"IEND", b""), "bomb.png is too large to open safely"),
    ("big.bmp", lambda: bmp_claiming(9000, 9000), "big.bmp is 9000x9000 pixels, too large to open safely"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_refused_plainly(tmp_path, name, make, message):
    (tmp_path / name).write_bytes(make())
    with pytest.raises(DatasetError, match=f"^{message}"):
        open_image(tmp_path / name)


def test_a_missing_file_or_a_folder_is_refused_plainly(tmp_path):
    with pytest.raises(DatasetError, match="^there is no file .*missing.png"):
        open_image(tmp_path / "missing.png")
    (tmp_path / "photos.png").mkdir()
    with pytest.raises(DatasetError, match="photos.png is a folder, not an image file"):
        open_image(tmp_path / "photos.png")


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "LOAD_TRUNCATED_IMAGES"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF"])
def test_truncation_is_refused_whatever_pillows_global_setting(monkeypatch, fmt, lenient):
    """Pillow fills a cut-off image with grey when LOAD_TRUNCATED_IMAGES is set (anywhere in the process)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    with pytest.raises(DatasetError, match=f"^cut.{fmt.lower()} is truncated"):
        open_image_bytes(truncated(fmt), f"cut.{fmt.lower()}")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_damaged_files_raise_only_dataset_errors(fmt):
    """Bytes flipped or cut anywhere: the image opens (a decoder may not notice) or a DatasetError says why."""
    data = encoded(Image.fromarray(noise((48, 32), 3)), fmt)
    rng = np.random.default_rng(len(fmt))
    refusals = []
    for _ in range(40):
        spoiled = bytearray(data)
        for position in rng.integers(0, len(data), 3):
            spoiled[position] = int(rng.integers(0, 256))
        for sample in (bytes(spoiled), data[: int(rng.integers(1, len(data)))]):
            try:
                image = open_image_bytes(sample, "sample")
            except DatasetError as error:
                refusals.append(str(error))
            else:
                assert image.mode in ("RGB", "L") and max(image.size) <= 4096
    assert len(refusals) >= 40 and all(message.startswith("sample ") for message in refusals)


# ----- prepare_image ------------------------------------------------------------------------------------------
def test_a_colour_image_for_a_one_channel_model_is_converted_with_a_note():
    array, notes = prepare_image(Image.fromarray(halves(RED, BLUE)), Preprocessing(resize=(28, 28), channels=1))
    assert array.shape == (28, 28, 1) and array.dtype == np.float32
    assert notes == ["converted the colour image to grayscale, as the model takes one channel"]
    assert array[14, 2, 0] == pytest.approx(0.299 * 200 + 0.587 * 30 + 0.114 * 30, abs=1)


def test_a_gray_image_for_a_three_channel_model_is_converted_with_a_note():
    array, notes = prepare_image(Image.new("L", (10, 10), 77), Preprocessing(resize=(10, 10), channels=3))
    assert array.shape == (10, 10, 3) and array.dtype == np.float32 and np.all(array == 77)
    assert notes == ["converted the grayscale image to RGB, as the model takes three channels"]


def test_resize_takes_height_then_width_and_rescale_is_applied():
    array, notes = prepare_image(Image.fromarray(halves(RED, BLUE, (64, 64))),
                                 Preprocessing(resize=(20, 30), channels=3, rescale=1 / 255))
    assert array.shape == (20, 30, 3) and notes == []
    assert 0.0 <= array.min() and array.max() <= 1.0
    np.testing.assert_allclose(array[10, 2], np.array(RED) / 255, atol=1e-6)


def test_numpy_arrays_uint8_or_float_in_0_1_are_accepted():
    array, notes = prepare_image(halves(RED, BLUE), Preprocessing(channels=3))
    assert array.shape == (16, 32, 3) and notes == [] and tuple(array[8, 4]) == RED
    gray = np.tile(np.linspace(0.0, 1.0, 8, dtype=np.float32), (4, 1))[..., None]  # (H, W, 1) in 0..1
    array, notes = prepare_image(gray, Preprocessing(channels=1, rescale=1 / 255))
    assert array.shape == (4, 8, 1) and notes == []
    np.testing.assert_allclose(array[0, :, 0], np.trunc(np.linspace(0, 255, 8)) / 255, atol=1e-6)


def test_transparent_or_palette_images_are_flattened_before_the_model_sees_them():
    transparent = Image.fromarray(halves((0, 0, 0, 0), (*BLUE, 255)))
    array, notes = prepare_image(transparent, Preprocessing(channels=3))
    assert array.shape == (16, 32, 3) and notes == [] and tuple(array[8, 4]) == (255, 255, 255)
    palette = Image.fromarray(halves((0,), (1,))[..., 0], "P")
    palette.putpalette([*RED, *BLUE])
    array, _ = prepare_image(palette, Preprocessing())  # colours, not palette indices
    assert tuple(array[8, 28]) == BLUE
