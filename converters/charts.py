"""What the web interface's charts draw: bars and columns (their lengths and percentages; the
templates write their text as HTML, which never shrinks with the drawing), small multiples of
answers over time, lines over follow-up visits (the maps are converters/map_drawing.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    share: float  # of the largest value, 0 to 1: the bar's length or the column's height
    percent: float  # of the chart's total, 0 to 100


@dataclass(frozen=True, slots=True)
class BarChart:
    """Bars whose text is HTML beside them (the templates draw only the bars in SVG), so that
    no label shrinks with the drawing on a phone."""

    bars: tuple[Bar, ...]
    maximum: int
    total: int


def bar_chart(pairs: Sequence[tuple[str, int]], *, total: int | None = None) -> BarChart:
    """One bar per (label, count), in the order given; percentages of `total` (by default the
    sum of the counts: pass the number of submissions for a question answered with several
    choices)."""
    maximum = max((value for _, value in pairs), default=0)
    whole = sum(value for _, value in pairs) if total is None else total
    return BarChart(
        tuple(
            Bar(
                label,
                value,
                value / maximum if maximum else 0.0,
                100 * value / whole if whole else 0.0,
            )
            for label, value in pairs
        ),
        maximum,
        whole,
    )


def column_chart(pairs: Sequence[tuple[str, int]]) -> BarChart:
    """One column per (period, count), in the order given, the height scaled to the largest."""
    return bar_chart(pairs)


@dataclass(frozen=True, slots=True)
class Multiples:
    """Small multiples: one row of columns per answer over the same periods, on one scale."""

    periods: tuple[str, ...]
    rows: tuple[tuple[str, int, tuple[Bar, ...]], ...]  # label, total, one column per period
    maximum: int


def small_multiples(
    periods: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Multiples:
    """A row per (label, a count per period), the columns of every row on the same scale."""
    maximum = max((value for _, values in series for value in values), default=0)
    return Multiples(
        tuple(periods),
        tuple(
            (
                label,
                sum(values),
                tuple(
                    Bar(
                        period,
                        value,
                        value / maximum if maximum else 0.0,
                        100 * value / sum(values) if sum(values) else 0.0,
                    )
                    for period, value in zip(periods, values, strict=True)
                ),
            )
            for label, values in series
        ),
        maximum,
    )


def period_of(days: Sequence[date]) -> tuple[str, Callable[[date], date]]:
    """How to group these days so that a chart stays readable: by day up to a month, by week
    (from Monday) up to half a year, else by month; the grain's name and each day's period."""
    span = (max(days) - min(days)).days if days else 0
    if span <= 31:
        return "day", lambda day: day
    if span <= 183:
        return "week", lambda day: day - timedelta(days=day.weekday())
    return "month", lambda day: day.replace(day=1)


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
