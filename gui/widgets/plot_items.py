"""Settings shared by the pyqtgraph plots that redraw while a model trains."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem


def cache_static_parts(plot: pg.PlotItem) -> None:
    """Axes, title and legend keep a pixmap of themselves. The axes overlap the plot area by their tick length,
    so every curve update re-ran their Python paint (0.36 ms each, two or three per tick; bench/training.py);
    cached, Qt blits them until their own content changes.

    The plot and the layout holding it are marked as painting nothing (they only arrange their children), so
    each repaint skips asking them for their Python `boundingRect` (about 5% of a live curve update)."""
    cached = [plot.getAxis(name) for name in ("left", "bottom", "right", "top")] + [plot.titleLabel]
    if plot.legend is not None:  # a legend's samples and labels are items of their own, painted over the curves
        cached += [plot.legend, *plot.legend.childItems()]
    for item in cached:
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    for container in (plot, plot.parentItem()):
        if isinstance(container, (pg.PlotItem, pg.GraphicsLayout)):
            container.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)


def cache_axis(axis: pg.AxisItem) -> None:
    """An axis outside a PlotItem (a colour bar's): cached, and with a fixed label. Its automatic SI prefix
    re-set the label's HTML at every new range (each live refresh of a feature map)."""
    axis.enableAutoSIPrefix(False)
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
