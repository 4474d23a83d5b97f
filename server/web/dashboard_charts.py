"""The dashboard's charts of answers (issue 21): which counts each chosen chart needs, and the
counts turned into what the templates draw, with the choices' labels in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from converters.charts import (
    BarChart,
    Multiples,
    bar_chart,
    column_chart,
    period_of,
    small_multiples,
)
from converters.form_logic import form_language, label_of
from converters.form_model import DataType, FormSchema
from server.web.dashboard_choices import OVER_TIME, RANGES
from server.web.render import N_, current_language, translate
from storage.submissions.chart_choices import ChartChoice
from storage.submissions.dashboard_counts import (
    OTHER,
    UNANSWERED,
    DashboardCounts,
    Range,
    RangeCount,
    SelectCount,
)

FEW_CHOICES = 8  # a question with more shows only the choices chosen
PERIOD_NAMES = {
    "day": N_("per day"),
    "week": N_("per week (from Monday)"),
    "month": N_("per month"),
}


@dataclass(frozen=True, slots=True)
class Chart:
    xpath: str
    title: str
    kind: str  # bars, table, time or ranges (server/web/dashboard_choices.py)
    bars: BarChart | None = None  # bars, table and ranges
    multiples: Multiples | None = None  # over time
    note: str = ""  # what a reader needs to read it ("per week (from Monday)")


def counts_needed(
    schema: FormSchema, shown: list[ChartChoice]
) -> tuple[list[SelectCount], list[RangeCount]]:
    selects, ranged = [], []
    for chart in shown:
        field = schema.field(chart.xpath)
        if field is None:
            continue
        if chart.kind == RANGES:
            ranged.append(RangeCount(chart.xpath))
            continue
        choices = schema.choice_lists.get(field.choice_list or "")
        selects.append(
            SelectCount(
                chart.xpath,
                tuple(c.name for c in choices.choices) if choices else (),
                multiple=field.is_multiple,
                per_day=chart.kind == OVER_TIME,
            )
        )
    return selects, ranged


def answer_charts(
    schema: FormSchema, shown: list[ChartChoice], counts: DashboardCounts
) -> list[Chart]:
    language = form_language(schema, current_language())
    charts = []
    for chart in shown:
        field = schema.field(chart.xpath)
        if field is None:
            continue
        title = label_of(field.labels, language, field.name)
        choices = schema.choice_lists.get(field.choice_list or "")
        labels = {
            c.name: label_of(c.labels, language, c.name)
            for c in (choices.choices if choices else ())
        }
        labels |= {OTHER: translate("Other answers"), UNANSWERED: translate("No answer")}
        if chart.kind == RANGES and chart.xpath in counts.ranges:
            integer = field.data_type is DataType.INT
            pairs = [
                (_range_label(r, integer=integer), r.count) for r in counts.ranges[chart.xpath]
            ]
            charts.append(Chart(chart.xpath, title, chart.kind, bars=bar_chart(pairs)))
        elif chart.kind == OVER_TIME and chart.xpath in counts.answers_per_day:
            grain, multiples = _over_time(counts.answers_per_day[chart.xpath], labels)
            note = translate(PERIOD_NAMES[grain])
            charts.append(Chart(chart.xpath, title, chart.kind, multiples=multiples, note=note))
        elif chart.xpath in counts.answers:
            few = len(labels) - 2 <= FEW_CHOICES  # "No: 0" informs; 300 communes at 0 do not
            pairs = [
                (labels.get(name, name), n)
                for name, n in counts.answers[chart.xpath]
                if n or (few and name not in (OTHER, UNANSWERED))
            ]
            note = translate("Several answers each: percentages of submissions.")
            charts.append(
                Chart(
                    chart.xpath,
                    title,
                    chart.kind,
                    bars=bar_chart(pairs, total=counts.total if field.is_multiple else None),
                    note=note if field.is_multiple else "",
                )
            )
        else:  # nothing to count yet (no answer, or a question newer than the table)
            charts.append(Chart(chart.xpath, title, chart.kind, bars=bar_chart([])))
    return charts


def _over_time(
    per_day: list[tuple[date, str, int]], labels: dict[str, str]
) -> tuple[str, Multiples]:
    grain, period = period_of([day for day, _, _ in per_day])
    counted: dict[str, dict[date, int]] = {}
    for day, name, n in per_day:
        counted.setdefault(name, {})
        counted[name][period(day)] = counted[name].get(period(day), 0) + n
    periods = sorted({period(day) for day, _, _ in per_day})
    every = _every_period(periods, grain)
    text = [d.isoformat()[:7] if grain == "month" else d.isoformat() for d in every]
    series = [
        (labels.get(name, name), [by_period.get(d, 0) for d in every])
        for name, by_period in counted.items()
        if sum(by_period.values())
    ]
    return grain, small_multiples(text, series)


def _every_period(periods: list[date], grain: str) -> list[date]:
    """Every period from the first to the last, those without a submission included, so that
    a gap shows as a gap."""
    if not periods:
        return []
    every, current = [], periods[0]
    while current <= periods[-1]:
        every.append(current)
        if grain == "day":
            current += timedelta(days=1)
        elif grain == "week":
            current += timedelta(days=7)
        else:
            current = (current + timedelta(days=32)).replace(day=1)
    return every


def _range_label(counted: Range, *, integer: bool) -> str:
    low, high = counted.low, counted.high
    if isinstance(low, date) and isinstance(high, date):
        last = high - timedelta(days=1)
        if (low.year, low.month) == (last.year, last.month):
            return low.isoformat()[:7]
        if (low.month, last.month) == (1, 12):  # whole years
            return str(low.year) if low.year == last.year else f"{low.year} – {last.year}"
        return f"{low.isoformat()[:7]} – {last.isoformat()[:7]}"
    assert isinstance(low, Decimal) and isinstance(high, Decimal)
    if integer:
        top = high - 1
        return f"{low:f}" if top <= low else f"{low:f} – {top:f}"
    return f"{low:f} – {high:f}"


SUBMISSIONS_PER = {
    "day": N_("Submissions per day"),
    "week": N_("Submissions per week (from Monday)"),
    "month": N_("Submissions per month"),
}


def submissions_over_time(per_day: list[tuple[date, int]]) -> tuple[str, BarChart]:
    """Submissions per day, or per week or month when days would be too many to read."""
    grain, period = period_of([day for day, _ in per_day])
    counted: dict[date, int] = {}
    for day, n in per_day:
        counted[period(day)] = counted.get(period(day), 0) + n
    every = _every_period(sorted(counted), grain)
    text = [d.isoformat()[:7] if grain == "month" else d.isoformat() for d in every]
    pairs = [(label, counted.get(d, 0)) for label, d in zip(text, every, strict=True)]
    return translate(SUBMISSIONS_PER[grain]), column_chart(pairs)
