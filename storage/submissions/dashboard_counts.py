"""What a form's dashboard counts, in as few scans as its charts allow (issues 21 and 22):
submissions per day and per enumerator in one scan of `submissions`; the charted select
questions in one scan of the form's root table grouped by all their answers at once (few
combinations; PostgreSQL aggregates it in parallel, where GROUPING SETS cannot), a question of
many choices in a scan of its own; ranges of number and date answers, and answers per day, in
one or two more scans, only when such a chart is chosen."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s
from storage.submissions.listing import FormData, TableFilters

OTHER = "\x00other"  # an answer outside the charted choices (an older version's, say)
UNANSWERED = "\x00none"
MAX_RANGES = 10
MAX_GROUPS = 65536  # combinations of answers counted in one scan (at most a few MB of hash)


@dataclass(frozen=True, slots=True)
class SelectCount:
    """A select question to count: its choices' names, in the form's order."""

    xpath: str
    choices: tuple[str, ...]
    multiple: bool = False
    per_day: bool = False  # also counted per day of submission (an "over time" chart)


@dataclass(frozen=True, slots=True)
class RangeCount:
    """A number or date question counted by ranges of its answers."""

    xpath: str


@dataclass(frozen=True, slots=True)
class Range:
    low: Decimal | date  # inclusive
    high: Decimal | date  # exclusive
    count: int


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    per_day: list[tuple[date, int]]
    per_submitter: list[tuple[int | None, int]]  # actor id (None: no enumerator), count
    # xpath -> (choice name, OTHER or UNANSWERED; count), in the choices' order
    answers: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    answers_per_day: dict[str, list[tuple[date, str, int]]] = field(default_factory=dict)
    ranges: dict[str, list[Range]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_day)


def count_dashboard(
    connection: Connection,
    data: FormData,
    filters: TableFilters,
    selects: Sequence[SelectCount] = (),
    ranged: Sequence[RangeCount] = (),
) -> DashboardCounts:
    """Everything the dashboard draws for the submissions the filters keep."""
    per_day, per_submitter = _per_day_and_submitter(connection, data, filters)
    total = sum(n for _, n in per_day)
    selects = [q for q in selects if data.column(q.xpath) is not None]
    ranged = [q for q in ranged if data.column(q.xpath) is not None]
    if not selects and not ranged:
        return DashboardCounts(per_day, per_submitter)
    source, conditions = _answers_source(data, filters)
    bounds = _bounds(connection, data, source, conditions, ranged) if ranged else {}
    answers: dict[str, list[tuple[str, int]]] = {}
    for batch in _batches(selects):
        answers.update(_joint(connection, data, source, conditions, batch, total))
    over_time = [q for q in selects if q.per_day]
    return DashboardCounts(
        per_day,
        per_submitter,
        answers,
        _answers_per_day(connection, data, filters, over_time) if over_time else {},
        _ranges(connection, data, source, conditions, bounds),
    )


def _per_day_and_submitter(
    connection: Connection, data: FormData, filters: TableFilters
) -> tuple[list[tuple[date, int]], list[tuple[int | None, int]]]:
    """One scan of `submissions`, grouped by day and enumerator (few pairs), summed here."""
    joined, conditions = data._base(filters, answers=False)
    day = _day(connection)
    rows = connection.execute(
        sa.select(day, s.submissions.c.submitter_id, sa.func.count())
        .select_from(joined)
        .where(*conditions)
        .group_by(day, s.submissions.c.submitter_id)
    ).all()
    days: dict[date, int] = {}
    people: dict[int | None, int] = {}
    for when, who, n in rows:
        key = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        days[key] = days.get(key, 0) + int(n)
        people[who] = people.get(who, 0) + int(n)
    return sorted(days.items()), sorted(people.items(), key=lambda pair: -pair[1])


def _day(connection: Connection) -> Any:
    created = s.submissions.c.created_at
    if connection.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", created), sa.Date)
    return sa.func.substr(sa.cast(created, sa.Text), 1, 10)  # naive UTC text (storage/types.py)


def _answers_source(data: FormData, filters: TableFilters) -> tuple[Any, list[Any]]:
    """Without filters, the root table alone less the trashed submissions' rows (a scan of one
    table); with filters, the submissions they keep joined to it."""
    assert data.root is not None  # callers count answers only when the form has a column
    if filters != TableFilters():
        joined, conditions = data._base(filters)
        return joined, [*conditions, data.root.c._submission_id.is_not(None)]
    subs = s.submissions
    trashed = sa.exists(
        sa.select(1).where(subs.c.id == data.root.c._submission_id, subs.c.deleted_at.is_not(None))
    )
    return data.root, [sa.not_(trashed)]


def _joint(
    connection: Connection,
    data: FormData,
    source: Any,
    conditions: list[Any],
    batch: Sequence[SelectCount],
    total: int,
) -> dict[str, list[tuple[str, int]]]:
    """The questions of `batch` in one scan grouped by all their answers at once (few
    combinations, see _batches), each question's counts summed here from the combinations (a
    select_multiple's answer split into its choices)."""
    columns = [_column(data, question.xpath) for question in batch]
    rows = connection.execute(
        sa.select(*columns, sa.func.count())
        .select_from(source)
        .where(*conditions)
        .group_by(*columns)
    )
    counted: list[dict[str, int]] = [{} for _ in batch]
    answered = [0] * len(batch)
    for row in rows:
        n = int(row[-1])
        for index, (question, answer) in enumerate(zip(batch, row, strict=False)):
            if answer is None:
                continue
            answered[index] += n
            names = str(answer).split() if question.multiple else [str(answer)]
            for name in names:
                counted[index][name] = counted[index].get(name, 0) + n
    found = {}
    for index, question in enumerate(batch):
        known = [(c, counted[index].pop(c, 0)) for c in question.choices]
        others = sum(counted[index].values())
        found[question.xpath] = [
            *known,
            *([(OTHER, others)] if others else []),
            (UNANSWERED, total - answered[index]),
        ]
    return found


def _batches(questions: Sequence[SelectCount]) -> list[list[SelectCount]]:
    """Questions packed in order while the product of their possible answers stays under
    MAX_GROUPS: each pack is one scan with a small hash table (a question wider than that, say
    300 communes, is a pack of its own)."""
    batches: list[list[SelectCount]] = []
    size = MAX_GROUPS + 1
    for question in questions:
        # Every combination of choices for a select_multiple; a select_one's choices and no
        # answer (an answer outside the choices is rare: an older version's).
        choices = len(question.choices)
        width = 2 ** min(choices, 16) if question.multiple else choices + 1
        if size * width > MAX_GROUPS:
            batches.append([])
            size = 1
        batches[-1].append(question)
        size *= width
    return batches


def _column(data: FormData, xpath: str) -> Any:
    column = data.column(xpath)
    assert column is not None  # count_dashboard keeps the questions with a column
    return column


def _bounds(
    connection: Connection,
    data: FormData,
    source: Any,
    conditions: list[Any],
    ranged: Sequence[RangeCount],
) -> dict[str, tuple[Any, Any]]:
    """The smallest and the largest answer of each question charted by ranges, in one scan."""
    extremes = [f(_column(data, q.xpath)) for q in ranged for f in (sa.func.min, sa.func.max)]
    row = connection.execute(sa.select(*extremes).select_from(source).where(*conditions)).one()
    return {q.xpath: (row[2 * i], row[2 * i + 1]) for i, q in enumerate(ranged)}


def _ranges(
    connection: Connection,
    data: FormData,
    source: Any,
    conditions: list[Any],
    bounds: dict[str, tuple[Any, Any]],
) -> dict[str, list[Range]]:
    """Up to MAX_RANGES ranges of round width (numbers) or months and years (dates) between
    the smallest and the largest answer, counted in one more scan."""
    edges = {xpath: _edges(low, high) for xpath, (low, high) in bounds.items() if low is not None}
    aggregates: list[Any] = []
    for xpath, steps in edges.items():
        column = data.column(xpath)
        aggregates.extend(
            sa.func.count().filter(column >= _bind(low), column < _bind(high))
            for low, high in steps
        )
    if not aggregates:
        return {}
    values = iter(
        connection.execute(sa.select(*aggregates).select_from(source).where(*conditions)).one()
    )
    return {
        xpath: [Range(low, high, int(next(values))) for low, high in steps]
        for xpath, steps in edges.items()
    }


def _bind(value: Decimal | date) -> Any:
    # SQLite's driver binds no Decimal; an integer or double column compares with a float.
    return float(value) if isinstance(value, Decimal) else value


def _edges(low: Any, high: Any) -> list[tuple[Any, Any]]:
    if isinstance(low, datetime) or isinstance(high, datetime):
        low, high = low.date(), high.date()
    if isinstance(low, str):  # SQLite may hand a date back as text
        low, high = date.fromisoformat(low[:10]), date.fromisoformat(str(high)[:10])
    if isinstance(low, date):
        return _date_edges(low, high)
    return _number_edges(Decimal(str(low)), Decimal(str(high)), whole=isinstance(low, int))


def _number_edges(low: Decimal, high: Decimal, *, whole: bool) -> list[tuple[Decimal, Decimal]]:
    """Ranges of 1, 2 or 5 times a power of ten (whole numbers for an integer question)."""
    span = high - low
    if span <= 0:
        return [(low, low + 1)]
    rough = span / MAX_RANGES
    power = Decimal(10) ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(step, Decimal(1)) if whole else step
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    edges = []
    while start <= high:
        edges.append((start, start + step))
        start += step
    return edges


def _date_edges(low: date, high: date) -> list[tuple[date, date]]:
    months = (high.year - low.year) * 12 + high.month - low.month + 1
    if months <= MAX_RANGES:
        by = 1
    elif months <= 3 * MAX_RANGES:
        by = 3  # quarters
    else:  # 1, 2, 5, 10, 20 ... years, from a year they divide
        rough = months / 12 / MAX_RANGES
        power = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
        years = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
        by = 12 * years
    if by >= 12:
        first = date(low.year - low.year % (by // 12), 1, 1)
    else:
        first = date(low.year, low.month - (low.month - 1) % by, 1)
    edges = []
    while first <= high:
        index = first.year * 12 + first.month - 1 + by
        following = date(index // 12, index % 12 + 1, 1)
        edges.append((first, following))
        first = following
    return edges


def _answers_per_day(
    connection: Connection, data: FormData, filters: TableFilters, questions: Sequence[SelectCount]
) -> dict[str, list[tuple[date, str, int]]]:
    """Each question's answers per day of submission, grouped by day and answer (a
    select_multiple's combinations split here), in a scan each."""
    joined, conditions = data._base(filters)
    day = _day(connection)
    found: dict[str, list[tuple[date, str, int]]] = {}
    for question in questions:
        column = _column(data, question.xpath)
        counted: dict[tuple[date, str], int] = {}
        rows = connection.execute(
            sa.select(day, column, sa.func.count())
            .select_from(joined)
            .where(*conditions, column.is_not(None))
            .group_by(day, column)
        )
        for when, answer, n in rows:
            key = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
            for name in str(answer).split() if question.multiple else [str(answer)]:
                name = name if name in question.choices else OTHER
                counted[(key, name)] = counted.get((key, name), 0) + int(n)
        found[question.xpath] = sorted((when, name, n) for (when, name), n in counted.items())
    return found


def answer_sample(
    connection: Connection, data: FormData, xpaths: Sequence[str], limit: int = 500
) -> tuple[int, dict[str, list[str]]]:
    """The answers of the latest `limit` rows of the root table (read from its primary key,
    at no cost as data grows), to tell which questions' answers vary: the rows read, and the
    non-empty answers of each question."""
    columns = [(xpath, column) for xpath in xpaths if (column := data.column(xpath)) is not None]
    if data.root is None or not columns:
        return 0, {}
    rows = connection.execute(
        sa.select(*[column for _, column in columns]).order_by(data.root.c._id.desc()).limit(limit)
    ).all()
    return len(rows), {
        xpath: [str(row[index]) for row in rows if row[index] is not None]
        for index, (xpath, _) in enumerate(columns)
    }


def actor_names(connection: Connection, ids: Sequence[int | None]) -> dict[int, str]:
    """The display names of the enumerators counted (devices and people)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = connection.execute(
        sa.select(s.actors.c.id, s.actors.c.display_name).where(s.actors.c.id.in_(wanted))
    )
    return {int(r[0]): str(r[1]) for r in rows}
