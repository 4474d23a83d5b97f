"""Geometry for the charts drawn as SVG by the web interface's templates: horizontal bars,
a column per day, and points on a plain outline with a graticule (no online tile service)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    maximum: int


def bar_chart(
    pairs: Sequence[tuple[str, int]], *, width: int = 420, bar: int = 18, gap: int = 6
) -> BarChart:
    """One horizontal bar per (label, count), longest first as given; labels on the left."""
    label_width = min(180, max((len(label) for label, _ in pairs), default=4) * 7 + 8)
    room = width - label_width - 50
    maximum = max((value for _, value in pairs), default=0)
    bars = tuple(
        Bar(
            label,
            value,
            label_width,
            gap + index * (bar + gap),
            (room * value / maximum) if maximum else 0.0,
            bar,
        )
        for index, (label, value) in enumerate(pairs)
    )
    return BarChart(bars, width, gap + len(pairs) * (bar + gap), label_width, maximum)


def column_chart(
    pairs: Sequence[tuple[str, int]], *, width: int = 640, height: int = 180
) -> BarChart:
    """One column per (day, count), in the order given, with the height scaled to the largest."""
    maximum = max((value for _, value in pairs), default=0)
    room = height - 30
    step = (width - 40) / max(len(pairs), 1)
    bars = tuple(
        Bar(
            label,
            value,
            40 + index * step + step * 0.1,
            room - (room * value / maximum if maximum else 0) + 5,
            step * 0.8,
            room * value / maximum if maximum else 0,
        )
        for index, (label, value) in enumerate(pairs)
    )
    return BarChart(bars, width, height, 40, maximum)


@dataclass(frozen=True, slots=True)
class PointMap:
    points: tuple[tuple[float, float], ...]  # x, y in the drawing
    meridians: tuple[tuple[float, float], ...]  # (x, longitude)
    parallels: tuple[tuple[float, float], ...]  # (y, latitude)
    width: int
    height: int
    bounds: tuple[float, float, float, float]  # west, south, east, north


def point_map(
    coordinates: Sequence[tuple[float, float]], *, width: int = 480, height: int = 360
) -> PointMap:
    """(latitude, longitude) pairs drawn in an equirectangular frame around them, with a
    margin, corrected for latitude so distances look right; grid lines every 1, 2, 5 ... °."""
    valid = [(lat, lon) for lat, lon in coordinates if -90 <= lat <= 90 and -180 <= lon <= 180]
    if not valid:
        return PointMap((), (), (), width, height, (0, 0, 0, 0))
    south, north = min(p[0] for p in valid), max(p[0] for p in valid)
    west, east = min(p[1] for p in valid), max(p[1] for p in valid)
    margin = max(north - south, east - west, 0.5) * 0.1
    south, north, west, east = south - margin, north + margin, west - margin, east + margin
    squeeze = math.cos(math.radians((south + north) / 2)) or 1.0
    span = max((east - west) * squeeze / width, (north - south) / height)
    middle_x, middle_y = (west + east) / 2, (south + north) / 2

    def place(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(width / 2 + (lon - middle_x) * squeeze / span, 1),
            round(height / 2 - (lat - middle_y) / span, 1),
        )

    west = middle_x - width / 2 * span / squeeze
    east = middle_x + width / 2 * span / squeeze
    south, north = middle_y - height / 2 * span, middle_y + height / 2 * span
    step = _grid_step(max(east - west, north - south))
    meridians = tuple((place(middle_y, lon)[0], lon) for lon in _ticks(west, east, step))
    parallels = tuple((place(lat, middle_x)[1], lat) for lat in _ticks(south, north, step))
    return PointMap(
        tuple(place(lat, lon) for lat, lon in valid),
        meridians,
        parallels,
        width,
        height,
        (round(west, 3), round(south, 3), round(east, 3), round(north, 3)),
    )


def _grid_step(extent: float) -> float:
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 45):
        if extent / step <= 8:
            return step
    return 90


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step)
    return [round(i * step, 6) for i in range(first, math.floor(high / step) + 1)]


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    points: tuple[tuple[float, float, float], ...]  # x, y in the drawing, and the value


@dataclass(frozen=True, slots=True)
class LineChart:
    lines: tuple[Line, ...]
    ticks: tuple[tuple[float, str], ...]  # x, label under it
    width: int
    height: int
    top: float
    bottom: float


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    width: int = 560,
    height: int = 220,
) -> LineChart:
    """Values in [0, 1] over the same labels (follow-up visits): a line per series, a point per
    known value (a missing value leaves a gap)."""
    top, bottom, left = 10.0, float(height - 30), 40.0
    step = (width - left - 20) / max(len(labels) - 1, 1)

    def x(index: int) -> float:
        return (
            round(left + index * step, 1)
            if len(labels) > 1
            else round(left + (width - left) / 2, 1)
        )

    lines = tuple(
        Line(
            name,
            tuple(
                (x(i), round(bottom - (bottom - top) * v, 1), v)
                for i, v in enumerate(values)
                if v is not None
            ),
        )
        for name, values in series
    )
    return LineChart(
        lines, tuple((x(i), label) for i, label in enumerate(labels)), width, height, top, bottom
    )
