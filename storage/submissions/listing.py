"""The submissions table that project managers page through: filters (dates, enumerator,
review state, any question of the form), sorting on any shown column; the dashboard counts
the same filtered submissions in storage/submissions/dashboard_counts.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.table_plan import ColumnRole, TableKind
from storage.exports.map_clusters import Located
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.schema import system as s
from storage.sql_functions import contains_word
from storage.text_search import contains_folded
from storage.types import DecimalType, UtcDateTime

REVIEW_STATES = ("received", "hasIssues", "edited", "approved", "rejected")
SORTS = ("submitted", "submitter", "state")
# A text answer sorts by its first 500 characters: up to 2,000 bytes in UTF-8, within what
# one entry of a PostgreSQL B-tree index holds (2,704 bytes; a longer one fails the INSERT).
SORT_PREFIX = 500
# A constant in the SQL, not a parameter: the expression then matches the index's, even in
# a prepared statement's generic plan.
SORT_PREFIX_SQL: sa.ColumnClause[Any] = sa.literal_column(str(SORT_PREFIX))


@dataclass(frozen=True, slots=True)
class TableFilters:
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    submitter_id: int | None = None
    review_state: str | None = None  # "received" stands for no review yet
    question: str | None = None  # xpath of a root-level question
    answer: str | None = None  # matched as a part of the answer, case and accents aside
    choices: tuple[str, ...] | None = None  # for a select question: the choices whose label
    # or name matched `answer`; the answer must be (select_one) or include one of them
    multiple: bool = False
    # With `answer` and no question: the root-level text questions searched, any one matching.
    anywhere: tuple[str, ...] = ()
    columns: tuple[ColumnFilter, ...] = ()  # the table's per-column filters, all must match
    answered: tuple[str, ...] = ()  # root-level questions of which one at least is answered


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    """One column's filter in the submissions table: a text the answer contains (case and
    accents aside), the choices one of which the answer is (or includes), or a range."""

    xpath: str
    contains: str | None = None
    choices: tuple[str, ...] | None = None
    multiple: bool = False  # select_multiple: the answer includes one of `choices`
    low: date | Decimal | None = None  # inclusive; a date for date and dateTime questions
    high: date | Decimal | None = None  # inclusive (the whole day for a dateTime)


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    instance_id: str
    created_at: datetime
    submitter: str | None
    review_state: str | None
    instance_name: str | None
    answers: tuple[Any, ...]


class FormData:
    """The form's root data table and the columns of its root-level questions."""

    def __init__(self, connection: Connection, form_id: int) -> None:
        self.form_id = form_id
        plan = load_plan(connection, form_id)
        tables = build_tables(plan)
        self.root_spec = next((t for t in plan.tables if t.kind is TableKind.ROOT), None)
        self.root = tables[self.root_spec.name] if self.root_spec else None
        self.plan = plan
        self.tables = tables
        self.dialect = connection.dialect.name

    def column(self, xpath: str, role: ColumnRole = ColumnRole.VALUE) -> sa.Column[Any] | None:
        if self.root_spec is None or self.root is None:
            return None
        spec = self.root_spec.column(xpath, role)
        return self.root.c[spec.name] if spec else None

    def _base(
        self, filters: TableFilters, *, answers: bool = True, inner: bool = False
    ) -> tuple[Any, list[Any]]:
        """The submissions the filters keep, joined to the root table when answers are read
        (`answers`) or filtered on; counts that need neither scan `submissions` alone. Every
        submission has its root row (written in its transaction, rebuilt in one), so an
        `inner` join keeps the same rows and lets PostgreSQL read them in a root index's order."""
        subs = s.submissions
        joined: Any = subs
        # A filter on an answer is false without a root row: the join may as well be inner,
        # which lets PostgreSQL filter the root table first, through an index.
        on_answers = bool(
            filters.question or filters.anywhere or filters.columns or filters.answered
        )
        if self.root is not None and (answers or on_answers):
            on = self.root.c._submission_id == subs.c.id
            inner = inner or on_answers
            joined = subs.join(self.root, on) if inner else subs.outerjoin(self.root, on)
        conditions: list[Any] = [subs.c.form_id == self.form_id, subs.c.deleted_at.is_(None)]
        if filters.submitted_from:
            conditions.append(subs.c.created_at >= _midnight(filters.submitted_from))
        if filters.submitted_to:
            conditions.append(
                subs.c.created_at < _midnight(filters.submitted_to + timedelta(days=1))
            )
        if filters.submitter_id is not None:
            conditions.append(subs.c.submitter_id == filters.submitter_id)
        if filters.review_state == "received":
            conditions.append(subs.c.review_state.is_(None))
        elif filters.review_state:
            conditions.append(subs.c.review_state == filters.review_state)
        column = self.column(filters.question) if filters.question else None
        if column is not None and filters.choices is not None:
            conditions.append(self._one_of(column, filters.choices, multiple=filters.multiple))
        elif column is not None and filters.answer:
            conditions.append(contains_folded(sa.cast(column, sa.Text), filters.answer))
        elif filters.answer and filters.anywhere and filters.question is None:
            columns = [c for c in (self.column(x) for x in filters.anywhere) if c is not None]
            matches = [contains_folded(sa.cast(c, sa.Text), filters.answer) for c in columns]
            conditions.append(sa.or_(*matches) if matches else sa.false())
        for wanted in filters.columns:
            conditions.extend(self._column_conditions(wanted))
        if filters.answered:
            answered = [c for c in (self.column(x) for x in filters.answered) if c is not None]
            conditions.append(
                sa.or_(*[c.is_not(None) for c in answered]) if answered else sa.false()
            )
        return joined, conditions

    def _column_conditions(self, wanted: ColumnFilter) -> list[Any]:
        column = self.column(wanted.xpath)
        if column is None:  # a question added since the table was built: no answer has it
            return [sa.false()]
        found: list[Any] = []
        if wanted.choices is not None:
            found.append(self._one_of(column, wanted.choices, multiple=wanted.multiple))
        elif wanted.contains:
            found.append(contains_folded(sa.cast(column, sa.Text), wanted.contains))
        low, high = _bound(column, wanted.low), _bound(column, wanted.high)
        if isinstance(column.type, UtcDateTime):  # a dateTime: from and to whole days
            low = _midnight(low) if isinstance(low, date) else low
            if isinstance(high, date):
                found.append(column < _midnight(high + timedelta(days=1)))
                high = None
        if low is not None:
            found.append(column >= low)
        if high is not None:
            found.append(column <= high)
        return found

    def _one_of(self, column: Any, choices: Sequence[str], *, multiple: bool) -> Any:
        """The answer is one of the choices (select_one) or includes one (select_multiple)."""
        wanted = self._each(choices)
        if multiple:
            return sa.exists(
                sa.select(1).select_from(wanted).where(contains_word(column, wanted.c.value))
            )
        return column.in_(sa.select(wanted.c.value))

    def _each(self, values: Sequence[str]) -> Any:
        """The values as a one-column table read from a single bound JSON parameter: a label
        matching thousands of choices gives one parameter, not one each (SQLite allows 32,766)
        nor an OR chain (SQLite refuses an expression deeper than 1,000)."""
        array = sa.literal(json.dumps(list(values)), sa.Text)
        if self.dialect == "postgresql":
            each = sa.func.json_array_elements_text(sa.cast(array, sa.JSON))
        else:
            each = sa.func.json_each(array)
        return each.table_valued(sa.column("value", sa.Text)).alias("wanted")

    def sort_key(self, sort: str) -> Any:
        """What `page` orders by for `sort`: a question's answer (a text answer by its first
        SORT_PREFIX characters, as much as an index entry holds), the enumerator's name, the
        review state, or the time received."""
        column = self.column(sort[2:]) if sort.startswith("q:") else None
        if column is not None:
            if isinstance(column.type, sa.Text):
                return sa.func.substr(column, sa.literal_column("1"), SORT_PREFIX_SQL)
            return column
        return {"submitter": s.actors.c.display_name, "state": s.submissions.c.review_state}.get(
            sort, s.submissions.c.created_at
        )

    def page(
        self,
        connection: Connection,
        filters: TableFilters,
        shown: Sequence[str],
        *,
        sort: str = "submitted",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[SubmissionRow], int]:
        """A page of the table and how many rows the filters keep. The page's ids are chosen
        first, reading only what the filters and the order need (an index on the sort key
        gives them without sorting a million rows); only those rows are then read whole."""
        subs, versions, actors = s.submissions, s.submission_versions, s.actors
        by_question = sort.startswith("q:") and self.column(sort[2:]) is not None
        joined, conditions = self._base(filters, answers=by_question, inner=by_question)
        if sort == "submitter":
            joined = joined.outerjoin(actors, actors.c.id == subs.c.submitter_id)
        order = self.sort_key(sort)
        total_joined, total_conditions = self._base(filters, answers=False)
        total = int(
            connection.execute(
                sa.select(sa.func.count()).select_from(total_joined).where(*total_conditions)
            ).scalar_one()
        )
        # A page past the middle is read from the other end, reversed: the last page costs
        # what the first costs instead of skipping every row before it.
        backwards = offset > total / 2
        if backwards:
            limit, offset = max(min(limit, total - offset), 0), max(total - offset - limit, 0)
        down = descending != backwards
        keys = (
            sa.select(subs.c.id.label("id"), order.label("key"))
            .select_from(joined)
            .where(*conditions)
            .order_by(
                order.desc() if down else order.asc(),
                subs.c.id.asc() if backwards else subs.c.id.desc(),
            )
            .limit(limit)
            .offset(offset)
            .subquery("keys")
        )
        current = versions.alias("current")
        wide: Any = (
            keys.join(subs, subs.c.id == keys.c.id)
            .join(current, sa.and_(current.c.submission_id == subs.c.id, current.c.is_current))
            .outerjoin(actors, actors.c.id == subs.c.submitter_id)
        )
        if self.root is not None:
            wide = wide.outerjoin(self.root, self.root.c._submission_id == subs.c.id)
        answers = [self.column(xpath) for xpath in shown]
        cells = [c if c is not None else sa.null() for c in answers]
        statement = (
            sa.select(
                subs.c.instance_id,
                subs.c.created_at,
                actors.c.display_name,
                subs.c.review_state,
                current.c.instance_name,
                *cells,
            )
            .select_from(wide)
            .order_by(
                keys.c.key.desc() if down else keys.c.key.asc(),
                keys.c.id.asc() if backwards else keys.c.id.desc(),
            )
        )
        rows = [
            SubmissionRow(r[0], r[1], r[2], r[3], r[4], tuple(r[5:]))
            for r in connection.execute(statement)
        ]
        if backwards:
            rows.reverse()
        return rows, total

    def located(self, filters: TableFilters, xpath: str) -> Located | None:
        """The submissions the filters keep, placed by the geopoint question `xpath`, for the
        map (storage/exports/map_clusters.py); None when the table has no such columns."""
        latitude = self.column(xpath, ColumnRole.LATITUDE)
        longitude = self.column(xpath, ColumnRole.LONGITUDE)
        if latitude is None or longitude is None:
            return None
        # Inner: a point needs its root row, so the join keeps the same rows either way.
        joined, conditions = self._base(filters, inner=True)
        subs = s.submissions
        return Located(joined, conditions, latitude, longitude, subs.c.id, subs.c.instance_id)


def submitters(connection: Connection, form_id: int) -> list[tuple[int, str]]:
    subs, actors = s.submissions, s.actors
    rows = connection.execute(
        sa.select(actors.c.id, actors.c.display_name)
        .where(
            actors.c.id.in_(
                sa.select(subs.c.submitter_id).where(subs.c.form_id == form_id).distinct()
            )
        )
        .order_by(actors.c.display_name)
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def _bound(column: Any, value: date | Decimal | None) -> Any:
    """A range's end as the column compares it: integer and double columns take a float
    (SQLite's driver cannot bind a Decimal); decimal columns convert on their own."""
    if isinstance(value, Decimal) and not isinstance(column.type, DecimalType):
        return float(value)
    return value


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
