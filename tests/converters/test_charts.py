"""What the charts draw (converters/charts.py): bar lengths against the largest value,
percentages against the total asked for, small multiples on one scale, and a period long enough
for a span of days to stay readable."""

from __future__ import annotations

from datetime import date

from converters.charts import bar_chart, period_of, small_multiples


def test_bars_are_as_long_as_their_share_of_the_largest_and_carry_their_percentage():
    chart = bar_chart([("Kayes", 6), ("Bamako", 3), ("Gao", 0)])
    assert [b.share for b in chart.bars] == [1.0, 0.5, 0.0]
    assert [round(b.percent, 1) for b in chart.bars] == [66.7, 33.3, 0.0]
    # A select_multiple: percentages of the submissions, not of the ticks.
    several = bar_chart([("Food", 3), ("Work", 2)], total=4)
    assert [b.percent for b in several.bars] == [75.0, 50.0]
    assert bar_chart([]).bars == () and bar_chart([("x", 0)]).bars[0].share == 0.0


def test_small_multiples_share_one_scale():
    chart = small_multiples(["d1", "d2"], [("Yes", [4, 2]), ("No", [1, 0])])
    assert chart.maximum == 4
    (yes, yes_total, yes_bars), (no, no_total, no_bars) = chart.rows
    assert (yes, yes_total, no, no_total) == ("Yes", 6, "No", 1)
    assert [b.share for b in yes_bars] == [1.0, 0.5] and [b.share for b in no_bars] == [0.25, 0]


def test_days_are_grouped_by_week_then_month_as_the_span_grows():
    first = date(2026, 1, 1)
    assert period_of([first, date(2026, 1, 30)])[0] == "day"
    grain, period = period_of([first, date(2026, 4, 1)])
    assert grain == "week" and period(date(2026, 3, 5)) == date(2026, 3, 2)  # its Monday
    grain, period = period_of([first, date(2026, 12, 1)])
    assert grain == "month" and period(date(2026, 3, 5)) == date(2026, 3, 1)
    assert period_of([])[0] == "day"
