"""Image-folder throughput: Strata's pipeline against plain `keras.utils.image_dataset_from_directory`.

Budget (issue 5): images/s ratio >= 0.9 on the same generated folder of 5,000 PNGs, measured per epoch:
each side builds its dataset once, then full passes (decode, resize, batches of 32) are timed, alternating,
after a warm-up pass of each (so both read from the OS file cache); medians are compared. Training reads
the folder once per epoch, so this is the rate that matters. The one-time cost of opening the folder is
printed too: Strata's includes checking every file (header + data), which is what lets it skip and list
damaged files instead of failing mid-epoch; Keras's is a directory listing.

    python bench/data.py [--images 5000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.environment import configure_keras_environment  # noqa: E402

configure_keras_environment()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from datasets.generated import SHAPE_CLASSES, draw_shape  # noqa: E402
from datasets.image_folder import load_image_folder  # noqa: E402

SIZE = 64
BATCH = 32
BUDGET = 0.9


def make_folder(root: Path, images: int) -> None:
    rng = np.random.default_rng(0)
    for index in range(images):
        kind = SHAPE_CLASSES[index % len(SHAPE_CLASSES)]
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(draw_shape(kind, SIZE, rng, True, True, (0.4, 0.9))).save(folder / f"{index:05d}.png")


def open_strata(root: Path):
    import tensorflow as tf

    data = load_image_folder(str(root), image_size=SIZE, color=True, validation_split=0)
    return data.train.pipeline.batch(BATCH).prefetch(tf.data.AUTOTUNE)


def open_keras(root: Path):
    import keras

    return keras.utils.image_dataset_from_directory(str(root), image_size=(SIZE, SIZE), batch_size=BATCH,
                                                    shuffle=False, verbose=False)


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def epoch(dataset) -> tuple[float, int]:
    start = time.perf_counter()
    seen = sum(int(x.shape[0]) for x, _ in dataset)
    return time.perf_counter() - start, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="strata-bench-data-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        make_folder(root, args.images)
        print(f"wrote {args.images} PNGs of {SIZE}x{SIZE} in {time.perf_counter() - start:.1f} s")
        open_keras(root), open_strata(root)  # warm-up: imports, OS file cache
        strata_open, ours_data = timed(lambda: open_strata(root))
        keras_open, keras_data = timed(lambda: open_keras(root))
        epoch(ours_data), epoch(keras_data)
        strata, keras_times = [], []
        for _ in range(args.repeats):
            seconds, seen = epoch(ours_data)
            assert seen == args.images, f"Strata yielded {seen} images"
            strata.append(seen / seconds)
            seconds, seen = epoch(keras_data)
            assert seen == args.images, f"Keras yielded {seen} images"
            keras_times.append(seen / seconds)
    print(f"opening the folder once: Strata {strata_open:.2f} s (checks every file), "
          f"image_dataset_from_directory {keras_open:.2f} s (lists files)")
    ours, theirs = statistics.median(strata), statistics.median(keras_times)
    ratio = ours / theirs
    print(f"Strata image folder:            median {ours:8.0f} images/s  ({', '.join(f'{v:.0f}' for v in strata)})")
    print(f"image_dataset_from_directory:   median {theirs:8.0f} images/s  "
          f"({', '.join(f'{v:.0f}' for v in keras_times)})")
    print(f"ratio {ratio:.2f} (budget >= {BUDGET}) {'ok' if ratio >= BUDGET else 'UNDER BUDGET'}")
    return 0 if ratio >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
