"""Looking inside: speed of the inspection path.

1. All-layer activations of one image for the LeNet template (Strata's probe: one model, one tf.function
   call); median <= 100 ms. Plain Keras for reference in the same run: one `keras.Model(inputs, layer.output)`
   per layer called directly, as a user would write it.
2. Drawing a 64-channel 56x56 feature-map grid (normalise, compose, convert, paint): median <= 50 ms; also the
   whole Feature maps tab (grid plus the enlarged channel with its colour bar).
3. Training overhead with live feature maps on: bench/training.py's ratio (GUI path with live curves and live
   maps of a pinned photo / plain `model.fit`) stays >= 0.95.
4. Feature visualization: one 64x64 image for one channel of a small CNN (256 steps, jitter, scaling, Fourier
   parameterisation), tracing included as a click pays it: median <= 10 s; a 16-channel grid for reference.
5. Embedding projector: PCA of 5,000 x 512 activations, median <= 1 s; t-SNE and UMAP of 1,000 x 512 for
   reference (UMAP's first call in a process compiles with numba and is timed apart).

Named `inspection.py`, not the `inspect.py` the issue asked for: a script in bench/ puts bench/ first on the
import path, and a file called `inspect.py` there replaces the standard library's `inspect` for every bench
script (PySide6 itself fails to start). Run under a (virtual) display:
`xvfb-run python bench/inspection.py [--repeats 5]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from models.environment import configure_keras_environment  # noqa: E402

configure_keras_environment()

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from datasets.base import Preprocessing  # noqa: E402
from datasets.packaged import sample_photo  # noqa: E402
from datasets.preprocess import prepare_image  # noqa: E402
from gui.app import create_application  # noqa: E402
from gui.inspection.tabs import FeatureMapsTab  # noqa: E402
from gui.inspection.views import TileGrid  # noqa: E402
from gui.widgets.images import normalize  # noqa: E402
from models.building.builder import build  # noqa: E402
from models.inspection.probe import Probe  # noqa: E402
from models.inspection.snapshot import ViewData  # noqa: E402
from models.templates import load_template  # noqa: E402


def timed(function, repeats: int = 30) -> float:
    """Median milliseconds of `function()` after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def activations_ms() -> tuple[float, float]:
    import keras

    model = build(load_template("lenet").spec).model
    image, _ = prepare_image(sample_photo("cat"), Preprocessing(resize=(28, 28), channels=1, rescale=1 / 255))
    probe = Probe(model)
    strata = timed(lambda: probe.activations(image))
    per_layer = [keras.Model(model.inputs[0], layer.output) for layer in model.layers[1:]]
    batch = image[None]
    plain = timed(lambda: [np.asarray(m(batch, training=False)) for m in per_layer])
    return strata, plain


def tab_draw_ms() -> float:
    maps = np.random.default_rng(0).standard_normal((56, 56, 64)).astype(np.float32)
    tab = FeatureMapsTab()
    tab.resize(1100, 450)
    tab.show()
    QApplication.processEvents()

    def draw():
        maps[0, 0, 0] += 1.0  # new data each time, as a live view gets
        tab.show_data(ViewData(outputs={"conv": maps}, layer_types={"conv": "Conv2D"}, source="bench"))
        tab.repaint()
        QApplication.processEvents()

    result = timed(draw, repeats=21)
    tab.close()
    return result



def bench_grid_draw(repeats: int = 21, channels: int = 64, side: int = 56) -> float:
    """Median milliseconds to normalise, compose, convert and paint a grid of `channels` maps of side x side.

    Each repeat is a fresh `set_tiles` (new data) followed by a full paint of a 640x640 TileGrid (`grab`).
    """
    maps = np.random.default_rng(0).standard_normal((side, side, channels)).astype(np.float32)
    widget = TileGrid()
    widget.resize(640, 640)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        widget.set_tiles(np.moveaxis(normalize(maps, axis_per_channel=True), -1, 0), "viridis")
        widget.grab()
        times.append((time.perf_counter() - start) * 1000.0)
        maps[0, 0, 0] += 1.0  # new data each time, as a live view gets
    widget.deleteLater()
    return float(np.median(times))

def small_cnn():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Conv2D(16, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Conv2D(32, 3, activation="relu"),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(5, activation="softmax")])


def feature_visualization_s(repeats: int = 3) -> tuple[float, float]:
    """Median seconds for one channel's 64x64 image, and for a grid of 16 channels (one batch)."""
    from models.inspection.feature_visualization import visualize_channels

    model = small_cnn()
    layer = model.layers[2].name  # the second convolution

    def seconds(channels: list[int]) -> float:
        start = time.perf_counter()
        visualize_channels(model, layer, channels, size=64, steps=256)
        return time.perf_counter() - start

    one = statistics.median(seconds([3]) for _ in range(repeats))
    grid = statistics.median(seconds(list(range(16))) for _ in range(repeats))
    return one, grid


def projection_s(repeats: int = 5) -> dict[str, float]:
    from models.inspection.projection import project

    rng = np.random.default_rng(0)
    big = rng.normal(size=(5000, 512)).astype(np.float32)
    small = big[:1000]

    def seconds(features, method: str) -> float:
        start = time.perf_counter()
        project(features, method)
        return time.perf_counter() - start

    first_umap = seconds(small, "UMAP")
    return {"pca": statistics.median(seconds(big, "PCA") for _ in range(repeats)),
            "tsne": statistics.median(seconds(small, "t-SNE") for _ in range(3)),
            "umap_first": first_umap, "umap": statistics.median(seconds(small, "UMAP") for _ in range(3))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="training runs of each kind for the overhead")
    parser.add_argument("--only", choices=("feature-visualization", "projection"), help="run one measurement only")
    args = parser.parse_args()
    create_application([])
    checks = []
    if args.only in (None, "feature-visualization"):
        one, grid16 = feature_visualization_s()
        checks.append((f"feature visualization, one 64x64 channel image of a small CNN (256 steps): median "
                       f"{one:.2f} s (budget <= 10); 16 channels in one batch {grid16:.2f} s", one <= 10))
    if args.only in (None, "projection"):
        times = projection_s()
        checks.append((f"projection: PCA of 5,000 x 512 median {times['pca']:.3f} s (budget <= 1); 1,000 x 512: "
                       f"t-SNE {times['tsne']:.2f} s, UMAP {times['umap']:.2f} s (its first call, compiling: "
                       f"{times['umap_first']:.1f} s)", times["pca"] <= 1))
    if args.only:
        for text, ok in checks:
            print(f"{text}  {'ok' if ok else 'OVER BUDGET'}")
        return 0 if all(ok for _, ok in checks) else 1
    strata, plain = activations_ms()
    grid = bench_grid_draw()
    tab = tab_draw_ms()
    import training  # bench/training.py

    overhead = training.measure(args.repeats, live_maps=True)
    checks += [
        (f"LeNet all-layer activations: median {strata:.2f} ms (plain Keras, one model per layer: {plain:.2f} ms; "
         "budget <= 100)", strata <= 100),
        (f"64-channel 56x56 grid drawn: median {grid:.1f} ms (budget <= 50); whole Feature maps tab {tab:.1f} ms",
         grid <= 50),
        (f"training overhead with live maps ({overhead['live_refreshes']} refreshes drawn): ratio of medians "
         f"{overhead['median_ratio']:.3f} (budget >= 0.95); best runs {overhead['ratio']:.3f} (plain "
         f"{max(overhead['plain']):.1f} vs GUI {max(overhead['gui']):.1f} steps/s)", overhead["median_ratio"] >= 0.95),
    ]
    for text, ok in checks:
        print(f"{text}  {'ok' if ok else 'OVER BUDGET'}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
