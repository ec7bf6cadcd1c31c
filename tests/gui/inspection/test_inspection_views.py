"""The Inspection panel's drawing widgets: colour maths, grid layout, and each view with real mouse events."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.inspection.plots import BarStrip, BoundaryPlot, ChannelDetail, Heatmap, TopKBars
from gui.inspection.views import OverlayImage, TileGrid
from gui.widgets.images import (
    COLORMAPS,
    GAP_RGB,
    colormap_lut,
    compose_grid,
    grid_cell_at,
    normalize,
    resize_bilinear,
    to_qimage,
)
from tests.paths import ROOT


@pytest.fixture(autouse=True)
def no_swallowed_errors(caplog):
    """The views log (instead of raising into Qt) any exception in a handler: a test must not hide one."""
    yield
    errors = [r for r in caplog.records
              if r.name in ("gui.inspection.views", "gui.inspection.plots") and r.levelname == "ERROR"]
    assert not errors, errors[0].getMessage()


def shown(qtbot, widget, width: int = 420, height: int = 320):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settled_point(view, x: float, y: float) -> QPoint:
    """`view.view_point(x, y)` once pyqtgraph's deferred re-layouts (new title, wider tick labels) are done."""
    point = view.view_point(x, y)
    for _ in range(10):
        QApplication.processEvents()
        again = view.view_point(x, y)
        if again == point:
            return point
        point = again
    raise AssertionError("the plot's layout never settled")


def pixel(image, x: int, y: int) -> QColor:
    """The colour at logical position (x, y) of a `grab()` image, also on a high-DPI screen."""
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(x * ratio), round(y * ratio))


def hover(view, x: float, y: float) -> str:
    QTest.mouseMove(view.graphics.viewport(), settled_point(view, x, y))
    return view.readout_text()


# ----- colour maths -------------------------------------------------------------------------------------------
def test_colormaps_are_256_rgb_colours_and_cached():
    for name in COLORMAPS:
        lut = colormap_lut(name)
        assert lut.shape == (256, 3) and lut.dtype == np.uint8, name
        assert colormap_lut(name) is lut  # cached, not rebuilt per draw
    gray = colormap_lut("gray")
    assert gray[0].tolist() == [0, 0, 0] and gray[255].tolist() == [255, 255, 255] and gray[128].tolist() == [128] * 3
    assert colormap_lut("viridis")[0].tolist() == [68, 1, 84]  # pyqtgraph's bundled viridis, offline
    diverging = colormap_lut("diverging")
    assert diverging[0, 2] > diverging[0, 0] and diverging[255, 0] > diverging[255, 2]  # blue to red
    assert np.array_equal(colormap_lut("no-such-map"), colormap_lut("viridis"))


def test_normalize_per_channel_and_shared():
    stack = np.zeros((2, 2, 3), np.float32)
    stack[..., 0] = [[0, 1], [2, 4]]
    stack[..., 1] = [[10, 20], [30, 50]]
    stack[..., 2] = 7.0  # constant
    per_channel = normalize(stack, axis_per_channel=True)
    assert per_channel.dtype == np.float32
    np.testing.assert_allclose(per_channel[..., 0], [[0, 0.25], [0.5, 1]])
    np.testing.assert_allclose(per_channel[..., 1], [[0, 0.25], [0.5, 1]])
    assert np.all(per_channel[..., 2] == 0)
    shared = normalize(stack, axis_per_channel=False)
    np.testing.assert_allclose(shared[..., 0], np.array([[0, 1], [2, 4]]) / 50)
    np.testing.assert_allclose(shared[..., 1], np.array([[10, 20], [30, 50]]) / 50)
    np.testing.assert_allclose(shared[..., 2], 7 / 50)


def test_normalize_nan_inf_and_constant_input():
    values = np.array([[[np.nan], [2.0]], [[np.inf], [4.0]]], np.float32)  # (2, 2, 1)
    with np.errstate(all="raise"):  # no division by zero or invalid-value warnings either
        result = normalize(values, axis_per_channel=True)
        constant = normalize(np.full((3, 3, 2), 5.0), axis_per_channel=True)
        all_nan = normalize(np.full((2, 2, 1), np.nan), axis_per_channel=False)
    assert result[0, 0, 0] == 0 and result[1, 0, 0] == 0  # NaN and inf
    assert result[0, 1, 0] == 0 and result[1, 1, 0] == 1  # the finite values keep their own range
    assert np.all(constant == 0) and np.all(all_nan == 0)
    assert np.isfinite(result).all()
    assert normalize(np.zeros((0, 4, 2)), axis_per_channel=True).shape == (0, 4, 2)
    channels_first = normalize(np.array([[[0, 2]], [[5, 5]]], np.float32), True, channel_axis=0)
    np.testing.assert_allclose(channels_first, [[[0, 1]], [[0, 0]]])


def test_resize_bilinear_keeps_constant_and_interpolates():
    assert np.allclose(resize_bilinear(np.full((2, 3), 0.4), 10, 7), 0.4)
    ramp = resize_bilinear(np.array([[0.0, 1.0]]), 1, 4)
    np.testing.assert_allclose(ramp, [[0.0, 0.25, 0.75, 1.0]])


# ----- grid composition ---------------------------------------------------------------------------------------
def test_compose_grid_layout_colours_and_gaps():
    maps = np.zeros((5, 4, 6), np.float32)
    for index in range(5):
        maps[index] = index / 4  # tile k is filled with k / 4: tile 4 with 1.0
    lut = colormap_lut("viridis")
    image = compose_grid(maps, lut=lut)  # 5 tiles -> 3 columns, 2 rows
    assert image.shape == (2 * 4 + 1, 3 * 6 + 2, 3) and image.dtype == np.uint8
    for index in range(5):
        row, column = divmod(index, 3)
        tile = image[row * 5:row * 5 + 4, column * 7:column * 7 + 6]
        assert np.all(tile == lut[round(index / 4 * 255)]), index
    assert np.all(image[4 + 5:, 7:7 + 6] == lut[-1])  # tile 4 (value 1.0) has the LUT's last colour
    assert np.all(image[4, :] == GAP_RGB)  # the gap row
    assert np.all(image[:, 6] == GAP_RGB) and np.all(image[:, 13] == GAP_RGB)  # gap columns
    assert np.all(image[5:, 14:] == GAP_RGB)  # the unused sixth cell
    assert compose_grid(maps, columns=5, gap=0).shape == (4, 30, 3)


def test_compose_grid_rgb_tiles_and_empty_stack():
    tiles = np.zeros((2, 3, 3, 3), np.float32)
    tiles[1, ..., 0] = 1.0  # red
    image = compose_grid(tiles, columns=2, gap=2)
    assert image.shape == (3, 8, 3)
    assert np.all(image[:, 5:] == [255, 0, 0]) and np.all(image[:, :3] == 0) and np.all(image[:, 3:5] == GAP_RGB)
    assert compose_grid(np.zeros((0, 4, 4))).shape == (0, 0, 3)


def test_grid_cell_at_round_trip_and_gaps():
    shape, columns, gap = (10, 5, 7), 4, 2
    image = compose_grid(np.zeros(shape), columns=columns, gap=gap)
    for index in range(shape[0]):
        row, column = divmod(index, columns)
        centre_x, centre_y = column * (7 + gap) + 3, row * (5 + gap) + 2
        assert grid_cell_at(centre_x, centre_y, shape, columns, gap) == index
    assert grid_cell_at(7, 0, shape, columns, gap) is None  # vertical gap
    assert grid_cell_at(0, 5, shape, columns, gap) is None  # horizontal gap
    assert grid_cell_at(2 * 9 + 1, 2 * 7 + 1, shape, columns, gap) is None  # cell 10 does not exist
    assert grid_cell_at(image.shape[1] + 3, 1, shape, columns, gap) is None
    assert grid_cell_at(-1, 1, shape, columns, gap) is None


def test_to_qimage_copies_rgb_and_gray():
    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[1, 2] = [10, 200, 30]
    image = to_qimage(rgb[:, :5])  # any array: the QImage owns its pixels
    del rgb
    assert (image.width(), image.height()) == (5, 3)
    assert image.pixelColor(2, 1).getRgb()[:3] == (10, 200, 30)
    gray = to_qimage(np.array([[0.0, 1.0]]))
    assert gray.pixelColor(1, 0).getRgb()[:3] == (255, 255, 255)
    assert to_qimage(np.zeros((0, 0, 3), np.uint8)).isNull()


# ----- TileGrid -----------------------------------------------------------------------------------------------
def test_tile_grid_click_hover_and_selection(qtbot):
    grid = shown(qtbot, TileGrid())
    tiles = np.linspace(0, 1, 12 * 8 * 8, dtype=np.float32).reshape(12, 8, 8)
    grid.set_tiles(tiles, "magma", titles=[f"channel {i}" for i in range(12)])
    assert grid.tile_count() == 12
    assert not grid.current_image().isNull()
    rect = grid.tile_rect(5)
    assert rect.width() > 8 and rect.intersects(grid.rect())
    with qtbot.waitSignal(grid.tile_clicked, timeout=1000) as clicked:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [5]
    assert grid.selected == 5
    with qtbot.waitSignal(grid.tile_hovered, timeout=1000) as hovered:
        QTest.mouseMove(grid, grid.tile_rect(7).center())
    assert hovered.args == [7] and grid.toolTip() == "channel 7"
    gap_x = (grid.tile_rect(0).right() + grid.tile_rect(1).left()) // 2 + 1  # between tiles 0 and 1
    with qtbot.assertNotEmitted(grid.tile_clicked):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(gap_x, grid.tile_rect(0).center().y()))
        qtbot.mouseClick(grid, Qt.MouseButton.RightButton, pos=rect.center())
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))  # the margin


def test_tile_grid_every_tile_maps_back_and_pixmap_is_cached(qtbot):
    grid = shown(qtbot, TileGrid(), 500, 300)
    grid.set_tiles(np.random.default_rng(1).random((64, 3, 3, 3)), "viridis")  # small RGB tiles (filters)
    for index in range(64):
        assert grid.tile_at(grid.tile_rect(index).center().toPointF()) == index
    grid.set_captions_visible(True)
    grid.grab()
    first = grid._scaled[1]
    grid.grab()
    assert grid._scaled[1] is first  # a repaint at the same size reuses the scaled pixmap
    grid.set_tiles(np.zeros((4, 5, 5)), "gray")
    assert grid._scaled is None and grid.tile_count() == 4


def test_tile_grid_draws_crisp_pixels_and_blank_unused_cells(qtbot):
    grid = shown(qtbot, TileGrid(), 300, 300)
    checker = np.array([[[0.0, 1.0], [1.0, 0.0]]] * 3)  # 3 tiles of 2x2: 2 columns, one unused cell
    grid.set_tiles(checker, "viridis")
    screen = grid.grab().toImage()
    lut = colormap_lut("viridis")
    allowed = {QColor(*map(int, lut[0])).name(), QColor(*map(int, lut[255])).name()}
    tile = grid.tile_rect(0)
    seen = {pixel(screen, x, y).name() for x in range(tile.left(), tile.right() + 1, 2)
            for y in range(tile.top(), tile.bottom() + 1, 2)}
    assert seen == allowed  # nearest-neighbour: no blended colours at the checker's edges
    unused = grid.tile_rect(2).translated(grid.tile_rect(1).left() - grid.tile_rect(0).left(), 0)
    assert pixel(screen, unused.center().x(), unused.center().y()) == grid.palette().window().color()


def test_handler_errors_are_logged_not_raised(qtbot, caplog, monkeypatch):
    grid = shown(qtbot, TileGrid())
    grid.set_tiles(np.zeros((4, 5, 5)), "gray")

    def broken(_position):
        raise RuntimeError("bad data")

    monkeypatch.setattr(grid, "tile_at", broken)
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.tile_rect(0).center())  # must not raise into Qt
    assert any("bad data" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    caplog.clear()


def test_tile_grid_empty_data_draws_nothing(qtbot):
    grid = shown(qtbot, TileGrid())
    grid.set_tiles(np.zeros((3, 4, 4)), "viridis")
    grid.set_selected(2)
    for empty in (None, np.zeros((0, 4, 4)), np.zeros(5)):
        grid.set_tiles(empty, "viridis")
        assert grid.tile_count() == 0 and grid.current_image().isNull() and grid.selected is None
        assert grid.tile_rect(0).isEmpty()
        grid.grab()  # paints without raising
    with qtbot.assertNotEmitted(grid.tile_clicked):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.rect().center())


# ----- pyqtgraph views ----------------------------------------------------------------------------------------
def test_channel_detail_reads_raw_value_under_the_mouse(qtbot):
    detail = shown(qtbot, ChannelDetail())
    values = (np.arange(20 * 30, dtype=np.float32).reshape(20, 30) - 100.0) * 3.25  # raw, not 0..1
    detail.set_map(values, "inferno", "conv2d / channel 4")
    assert detail.image_item.image.shape == (20, 30, 3)
    assert detail.colorbar is not None and detail.colorbar.levels() == (float(values.min()), float(values.max()))
    assert hover(detail, 12.5, 3.5) == f"x 12, y 3: {values[3, 12]:.4g}"
    assert hover(detail, 29.5, 19.5) == f"x 29, y 19: {values[19, 29]:.4g}"
    assert hover(detail, 31.0, 5.0) == ""  # off the map
    detail.set_map(None, "inferno", "")
    assert detail.values is None and detail.readout_text() == ""
    assert hover(detail, 3.5, 3.5) == ""


def test_a_live_refresh_moves_the_colour_bar_levels_but_keeps_its_colormap_and_title(qtbot):
    """A live refresh every half second rebuilt the colour map and re-laid out the title (~4 ms each time)."""
    from PySide6.QtWidgets import QGraphicsItem

    detail = shown(qtbot, ChannelDetail())
    detail.set_map(np.arange(12.0).reshape(3, 4), "inferno", "conv2d / channel 4")
    colormap, title_text = detail.colorbar.colorMap(), detail.plot.titleLabel.text
    detail.set_map(np.arange(12.0).reshape(3, 4) * 2, "inferno", "conv2d / channel 4")
    assert detail.colorbar.colorMap() is colormap and detail.plot.titleLabel.text == title_text
    assert detail.colorbar.levels() == (0.0, 22.0)
    detail.set_map(np.arange(12.0).reshape(3, 4), "gray", "conv2d / channel 5")
    assert detail.colorbar.colorMap() is not colormap and detail.plot.titleLabel.text == "conv2d / channel 5"
    np.testing.assert_array_equal(detail.colorbar.colorMap().getLookupTable(nPts=256, alpha=False)[:, :3],
                                  colormap_lut("gray"))
    assert detail.plot.getAxis("left").cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    bar_axis = detail.colorbar.axis  # cached too, and no SI prefix: its label's HTML is not rebuilt per refresh
    assert bar_axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache and not bar_axis.autoSIPrefix
    assert list(bar_axis.range) == [0.0, 11.0]  # its ticks still follow the map's range


def test_channel_detail_y_axis_points_down(qtbot):
    detail = shown(qtbot, ChannelDetail(colorbar=False))
    detail.set_map(np.zeros((10, 10)), "gray", "")
    settled_point(detail, 0, 0)
    assert detail.colorbar is None
    assert detail.view_point(5, 1).y() < detail.view_point(5, 8).y()  # row 1 above row 8, as in an image


def test_heatmap_labels_and_readout(qtbot):
    heatmap = shown(qtbot, Heatmap())
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) / 11
    tokens = ["the", "cat", "sat", "down"]
    heatmap.set_matrix(matrix, "viridis", "attention head 0", row_labels=tokens[:3], col_labels=tokens,
                       row_title="query", col_title="key", levels=(0.0, 1.0))
    assert heatmap.image_item.image.shape == (3, 4, 3)
    ticks = heatmap.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _position, label in ticks] == tokens
    assert hover(heatmap, 2.5, 1.5) == f"row 1 (cat), col 2 (sat): {matrix[1, 2]:.4g}"
    wide = np.random.default_rng(0).random((6, 300))
    heatmap.set_matrix(wide, "magma", "tokens x features", row_labels=[f"t{i}" for i in range(6)],
                       col_labels=[str(i) for i in range(300)])
    assert heatmap.plot.getAxis("bottom")._tickLevels is None  # 300 labels: numbers instead
    assert hover(heatmap, 250.5, 4.5) == f"row 4 (t4), col 250 (250): {wide[4, 250]:.4g}"
    heatmap.set_matrix(np.full((2, 2), np.nan), "gray", "all NaN")  # no crash, no warning
    assert hover(heatmap, 0.5, 0.5) == "row 0, col 0: nan"


def test_bar_strip_values_labels_and_readout(qtbot):
    bars = shown(qtbot, BarStrip())
    values = np.array([0.1, -0.4, 2.5, 0.0], np.float32)
    bars.set_values(values, "dense_1", labels=["cat", "dog", "bird", "fish"])
    assert list(bars.bars.opts["height"]) == pytest.approx(values.tolist())
    assert [label for _x, label in bars.plot.getAxis("bottom")._tickLevels[0]] == ["cat", "dog", "bird", "fish"]
    y_low, y_high = bars.plot.vb.viewRange()[1]
    assert y_low < -0.4 and y_high > 2.5
    assert hover(bars, 2.1, 1.0) == "unit 2 (bird): 2.5"
    assert hover(bars, 1.0, -0.2) == "unit 1 (dog): -0.4"
    bars.resize(120, 200)  # too narrow for every name: every n-th one
    QApplication.processEvents()
    thinned = [label for _x, label in bars.plot.getAxis("bottom")._tickLevels[0]]
    assert thinned and thinned[0] == "cat" and len(thinned) < 4
    bars.resize(420, 320)
    bars.set_values(np.arange(100.0), "dense_2")  # many units: numeric axis, no labels
    assert bars.plot.getAxis("bottom")._tickLevels is None
    assert hover(bars, 42.0, 10.0) == "unit 42: 42"
    bars.set_values(None, "")
    assert bars.values is None and hover(bars, 1.0, 0.0) == ""


def test_boundary_plot_three_classes_and_binary(qtbot):
    plot = shown(qtbot, BoundaryPlot())
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1, 1], size=(24, 32)).astype(np.float32)
    plot.set_boundary(probabilities, (-2.0, 2.0), (-1.0, 1.0))
    assert plot.image_item.image.shape == (24, 32, 3)
    bounds = plot.image_item.mapRectToParent(plot.image_item.boundingRect())
    assert (bounds.left(), bounds.top(), bounds.width(), bounds.height()) == pytest.approx((-2, -1, 4, 2))
    points, labels = rng.normal(size=(50, 2)), rng.integers(0, 3, 50)
    plot.set_points(points, labels)
    assert plot.point_count() == 50
    brushes = [p.brush().color().name() for p in plot.scatter.points()]
    assert brushes[0] != brushes[int(np.argmax(labels != labels[0]))]  # coloured by class
    plot.set_class_names(["a", "b", "c"])
    best = int(np.argmax(probabilities[0, 0]))
    assert hover(plot, -1.99, -0.99).endswith(f"{'abc'[best]} ({probabilities[0, 0, best]:.0%})")

    p = np.linspace(0, 1, 10 * 12, dtype=np.float32).reshape(10, 12, 1)  # a sigmoid: one column
    plot.set_boundary(p, (0, 1), (0, 1))
    assert plot.image_item.image.shape == (10, 12, 3) and plot.probabilities.shape == (10, 12, 2)
    image = plot.image_item.image
    assert not np.array_equal(image[0, 0], image[-1, -1])  # class 0 and class 1 regions differ
    plot.set_points(np.array([[0.2, 0.3], [0.7, 0.1]]), np.array([[0.0], [1.0]]))  # float (N, 1) labels
    assert plot.point_count() == 2
    plot.set_boundary(None)
    plot.set_points(None, None)
    assert plot.point_count() == 0 and plot.probabilities is None


# ----- painted widgets ----------------------------------------------------------------------------------------
def test_overlay_blending_click_and_marker(qtbot):
    view = shown(qtbot, OverlayImage(), 400, 400)
    photo = np.full((120, 160, 3), 90, np.uint8)
    view.set_image(photo)
    assert view.current_image().size().toTuple() == (160, 120)
    assert np.array_equal(view.blended(), photo)  # no overlay: the image unchanged
    heat = np.zeros((7, 7), np.float32)
    heat[3, 3] = 1.0
    view.set_overlay(heat, "inferno", opacity=0.6)
    blended = view.blended()
    assert blended.shape == photo.shape and not np.array_equal(blended, photo)
    assert blended[60, 80].sum() > blended[0, 0].sum()  # the hot spot in the middle is brighter
    view.set_overlay(None)
    assert np.array_equal(view.blended(), photo)

    rect = view.image_rect()
    with qtbot.waitSignal(view.clicked, timeout=1000) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.x() + rect.width() // 4, rect.y() + rect.height() * 3 // 4))
    x, y = clicked.args
    assert x == pytest.approx(0.25, abs=0.02) and y == pytest.approx(0.75, abs=0.02)
    with qtbot.assertNotEmitted(view.clicked):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), 1))  # above the image
    view.set_marker((0.25, 0.5, 0.25, 0.25))
    marked = view.grab().toImage()
    corner = QPoint(rect.x() + rect.width() // 4, rect.y() + rect.height() // 2)
    assert pixel(marked, corner.x(), corner.y()).lightness() > 200  # the white outline of the patch
    view.set_image(None)
    assert view.current_image().isNull() and view.blended() is None
    view.grab()


def test_overlay_accepts_gray_float_and_scales_by_kind(qtbot):
    view = shown(qtbot, OverlayImage())
    view.set_image(np.linspace(0, 1, 28 * 28).reshape(28, 28))  # a 0..1 gray digit: crisp pixels
    assert view.blended()[27, 27].tolist() == [255, 255, 255] and not view._smooth
    view.set_image(np.full((128, 128, 1), 255.0))  # a 0..255 float photo: smooth scaling
    assert view.blended()[0, 0].tolist() == [255, 255, 255] and view._smooth


def test_top_k_bars_rows(qtbot):
    bars = shown(qtbot, TopKBars(), 300, 100)
    bars.set_predictions([("cat", 0.81), ("dog", 0.12), ("a very long class name indeed", 0.07)])
    assert bars.rows() == [("cat", 0.81), ("dog", 0.12), ("a very long class name indeed", 0.07)]
    assert bars.height() == 3 * TopKBars.ROW
    image = bars.grab().toImage()
    bar_y = TopKBars.ROW // 2
    assert any(pixel(image, x, bar_y).name() == TopKBars.ACCENT for x in range(bars.width()))
    bars.set_predictions([])
    assert bars.rows() == []
    bars.grab()


def test_export_png_writes_what_is_shown(qtbot, tmp_path):
    views = [TileGrid(), ChannelDetail(), Heatmap(), BarStrip(), OverlayImage(), BoundaryPlot(), TopKBars()]
    views[0].set_tiles(np.random.default_rng(0).random((9, 6, 6)), "viridis")
    views[1].set_map(np.eye(5), "gray", "eye")
    views[4].set_image(np.zeros((10, 10, 3), np.uint8))
    views[6].set_predictions([("a", 0.5)])
    for index, view in enumerate(views):
        shown(qtbot, view, 300, 200)
        path = tmp_path / f"view{index}.png"
        assert view.export_png(path), type(view).__name__
        ratio = view.devicePixelRatioF()
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (round(view.width() * ratio), round(view.height() * ratio)), type(view).__name__


def test_module_imports_no_tensorflow():
    probe = ("import sys, gui.inspection.views; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'tensorflow', 'keras'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert result.stdout.strip() == "[]"


def test_a_readout_survives_a_live_refresh_and_follows_the_new_values(qtbot):
    detail = shown(qtbot, ChannelDetail())
    first = np.arange(20.0, dtype=np.float32).reshape(4, 5)
    detail.set_map(first, "viridis", "live")
    assert hover(detail, 2.5, 1.5) == f"x 2, y 1: {first[1, 2]:.4g}"
    detail.set_map(first * 10, "viridis", "live")  # the next snapshot, the pointer resting where it was
    assert detail.readout_text() == f"x 2, y 1: {first[1, 2] * 10:.4g}"


def test_an_attention_matrix_fills_the_view_exactly(qtbot):
    """24 tokens in a wide view: the axes run 0..24, not -50..110 around square cells."""
    heatmap = shown(qtbot, Heatmap(), 700, 220)
    heatmap.set_matrix(np.full((24, 24), 1 / 24, np.float32), "viridis", "head 0", levels=(0.0, 1.0))
    QApplication.processEvents()
    (x0, x1), (y0, y1) = heatmap.plot.viewRange()
    assert (x0, x1) == pytest.approx((0, 24), abs=0.01) and (y0, y1) == pytest.approx((0, 24), abs=0.01)
