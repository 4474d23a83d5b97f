"""OData rows straight from the relational tables: the database builds each entity's JSON (in
Central's shape and key order, storage/exports/odata_json.py), pages by keyset (a deep page costs
what
the first costs, and rows never repeat or vanish between pages), filters on submission metadata
and counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from converters.export_model import ExportModel, OutTable
from storage.db import is_postgres
from storage.exports.odata_filter import filter_clause, mentions_deleted
from storage.exports.odata_json import RowJson
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class EntityQuery:
    top: int | None = None
    skip: int = 0
    after: Mapping[str, Any] | None = None  # a decoded $skiptoken
    filter: object | None = None  # a parsed $filter
    select: frozenset[tuple[str, ...]] | None = None
    expand: bool = False
    wkt: bool = False
    instance_id: str | None = None  # Submissions('uuid:...')
    # Submissions('uuid:...')/outer('4f2e...')/inner: the entity set and row id of the last key
    # given after the submission's (Central filters the rows on that parent id).
    parent_set: str | None = None
    parent_key: str | None = None


@dataclass(frozen=True, slots=True)
class EntityRow:
    json: str
    position: dict[str, Any]  # what a $skiptoken after this row holds


def entity_rows(
    connection: Connection,
    model: ExportModel,
    table: OutTable,
    tables: Mapping[str, sa.Table],
    form_id: int,
    query: EntityQuery,
    now: datetime,
    limit: int | None = None,
) -> Iterator[EntityRow]:
    """The entity set's rows in Central's order (newest submission first), as JSON text."""
    builder = _Builder(connection, model, tables, query, now)
    row_table = tables[table.name]
    subs = s.submissions
    json = RowJson(
        model,
        tables,
        postgres=builder.postgres,
        select=query.select,
        expand=query.expand,
        wkt=query.wkt,
    )
    columns: list[ColumnElement[Any]] = [
        # As text: psycopg would parse json into Python objects only for us to dump them again.
        json.text(table, row_table).label("body"),
        subs.c.created_at.label("p_created"),
        subs.c.id.label("p_id"),
    ]
    if not table.is_root:
        columns.append(row_table.c._id.label("p_row"))
    statement = sa.select(*columns).select_from(_joined(row_table))
    statement = statement.where(*builder.conditions(table, row_table, form_id))
    statement = statement.order_by(subs.c.created_at.desc(), subs.c.id.desc())
    if not table.is_root:
        statement = statement.order_by(row_table.c._id)
    if query.skip:
        statement = statement.offset(query.skip)
    if limit is not None:
        statement = statement.limit(limit)
    streamed = connection.execution_options(stream_results=True, yield_per=500)
    with streamed.execute(statement) as result:  # closed (a server-side cursor) if a row fails
        for row in result:
            position: dict[str, Any] = {"created": row.p_created.isoformat(), "id": row.p_id}
            if not table.is_root:
                position["row"] = row.p_row
            yield EntityRow(row.body, position)


def entity_count(
    connection: Connection,
    model: ExportModel,
    table: OutTable,
    tables: Mapping[str, sa.Table],
    form_id: int,
    query: EntityQuery,
    now: datetime,
) -> int:
    builder = _Builder(connection, model, tables, query, now)
    row_table = tables[table.name]
    counted = sa.select(sa.func.count()).select_from(_joined(row_table))
    where = builder.conditions(table, row_table, form_id, keyset=False)
    return int(connection.execute(counted.where(*where)).scalar_one())


def _joined(row_table: sa.FromClause) -> Any:
    return row_table.join(s.submissions, s.submissions.c.id == row_table.c._submission_id)


class _Builder:
    def __init__(
        self,
        connection: Connection,
        model: ExportModel,
        tables: Mapping[str, sa.Table],
        query: EntityQuery,
        now: datetime,
    ) -> None:
        self.postgres = is_postgres(connection)
        self.model = model
        self.tables = tables
        self.query = query
        self.now = now

    def conditions(
        self, table: OutTable, row_table: sa.FromClause, form_id: int, keyset: bool = True
    ) -> list[ColumnElement[bool]]:
        subs = s.submissions
        where: list[ColumnElement[bool]] = [subs.c.form_id == form_id]
        if self.query.filter is None or not mentions_deleted(self.query.filter):
            where.append(subs.c.deleted_at.is_(None))
        if self.query.filter is not None:
            where.append(
                filter_clause(self.query.filter, self._filter_columns(table, row_table), self.now)
            )
        if self.query.instance_id is not None:
            where.append(subs.c.instance_id == self.query.instance_id)
        if self.query.parent_set is not None:
            where.append(self._under_parent(table, row_table))
        if keyset and self.query.after:
            where.append(self._after(table, row_table, self.query.after))
        return where

    def _under_parent(self, table: OutTable, row_table: sa.FromClause) -> ColumnElement[bool]:
        """Rows of the parent row keyed in the path. Central filters on the key the rows carry
        (`__Submissions-outer-id`): a key given for any other entity set matches no row."""
        parent = self.model.table(table.parent) if table.parent else None
        if parent is None or parent.is_root or parent.odata_name != self.query.parent_set:
            return sa.false()
        parent_table = self.tables[parent.name]
        return row_table.c._parent_id.in_(
            sa.select(parent_table.c._id).where(parent_table.c._odata_id == self.query.parent_key)
        )

    def _filter_columns(self, table: OutTable, row_table: sa.FromClause) -> dict[str, Any]:
        subs = s.submissions
        return {
            "__id": subs.c.instance_id if table.is_root else row_table.c._odata_id,
            "__system/submissionDate": subs.c.created_at,
            "__system/updatedAt": subs.c.updated_at,
            "__system/submitterId": sa.cast(subs.c.submitter_id, sa.Text),
            "__system/reviewState": subs.c.review_state,
            "__system/deletedAt": subs.c.deleted_at,
        }

    def _after(
        self, table: OutTable, row_table: sa.FromClause, after: Mapping[str, Any]
    ) -> ColumnElement[bool]:
        subs = s.submissions
        created = sa.literal(
            datetime.fromisoformat(str(after["created"])), s.submissions.c.created_at.type
        )
        sub_id = int(after["id"])
        # A row comparison, which the (form_id, created_at, id) index answers as a range: a
        # page deep in the feed starts where it should instead of filtering out what precedes.
        position = sa.tuple_(subs.c.created_at, subs.c.id)
        if table.is_root:
            return position < sa.tuple_(created, sa.literal(sub_id))
        return sa.and_(
            position <= sa.tuple_(created, sa.literal(sub_id)),
            sa.or_(
                position < sa.tuple_(created, sa.literal(sub_id)),
                row_table.c._id > int(after.get("row", 0)),  # a token from the root set
            ),
        )
