"""OData rows straight from the relational tables: the database builds each entity's JSON (in
Central's shape and key order), pages by keyset (a deep page costs what the first costs, and
rows never repeat or vanish between pages), filters on submission metadata and counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from converters.export_model import ExportModel, OutField, OutTable, odata_name
from converters.form_model import DataType
from converters.geometry import LINE_TYPES
from converters.table_plan import ColumnRole
from storage import schema as s
from storage.db import is_postgres
from storage.odata_filter_sql import filter_clause, mentions_deleted
from storage.sql_functions import json_agg_ordered, json_array, json_object, utc_iso
from storage.sql_geometry import geo_json, geo_wkt
from storage.submission_queries import submission_facts


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
    root = tables[model.root.name]
    body = builder.entity(table, row_table, root, top_level=True)
    columns: list[ColumnElement[Any]] = [
        # As text: psycopg would parse json into Python objects only for us to dump them again.
        sa.cast(body, sa.Text).label("body"),
        subs.c.created_at.label("p_created"),
        subs.c.id.label("p_id"),
    ]
    if not table.is_root:
        columns.append(row_table.c._id.label("p_row"))
    statement = sa.select(*columns).select_from(builder.joined(table, row_table, root))
    statement = statement.where(*builder.conditions(table, row_table, form_id))
    statement = statement.order_by(subs.c.created_at.desc(), subs.c.id.desc())
    if not table.is_root:
        statement = statement.order_by(row_table.c._id)
    if query.skip:
        statement = statement.offset(query.skip)
    if limit is not None:
        statement = statement.limit(limit)
    result = connection.execution_options(stream_results=True, yield_per=500).execute(statement)
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
    root = tables[model.root.name]
    counted = sa.select(sa.func.count()).select_from(builder.joined(table, row_table, root))
    where = builder.conditions(table, row_table, form_id, keyset=False)
    return int(connection.execute(counted.where(*where)).scalar_one())


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

    def joined(self, table: OutTable, row_table: sa.FromClause, root: sa.FromClause) -> Any:
        subs = s.submissions
        if table.is_root:
            return row_table.join(subs, subs.c.id == row_table.c._submission_id)
        joined = row_table.join(subs, subs.c.id == row_table.c._submission_id)
        parent = self.model.table(table.parent) if table.parent else None
        if parent is not None and not parent.is_root:
            parent_table = self.tables[parent.name].alias("parent_row")
            joined = joined.join(parent_table, parent_table.c._id == row_table.c._parent_id)
        return joined

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
        if keyset and self.query.after:
            where.append(self._after(table, row_table, self.query.after))
        return where

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

    def entity(
        self, table: OutTable, row_table: sa.FromClause, root: sa.FromClause, top_level: bool
    ) -> ColumnElement[Any]:
        """One row's JSON, keys in Central's order: the answers (groups nested), __id, then
        __system (submissions) or the parent's id (repeat rows, unless inlined by $expand),
        then each child repeat's navigation link and, with $expand=*, its rows."""
        subs = s.submissions
        pairs = self._members(table, row_table)
        if table.is_root:
            pairs += [("__id", subs.c.instance_id), ("__system", self._system(row_table))]
            if self.model.scored:
                pairs.append(("__rss", self._scores()))
        else:
            pairs.append(("__id", row_table.c._odata_id))
            if top_level:
                pairs.append((table.odata_parent_key, self._parent_id(table, row_table)))
        for name in table.children:
            child = self.model.table(name)
            key = odata_name(child.repeat_name)
            pairs.append((f"{key}@odata.navigationLink", self._navigation(table, row_table, child)))
            if self.query.expand:
                pairs.append((key, self._expanded(child, row_table)))
        return json_object(*[p for pair in self._selected(pairs) for p in pair])

    def _members(self, table: OutTable, row_table: sa.FromClause) -> list[tuple[str, Any]]:
        entries = [
            (self.model.order.get(f.field.xpath, 0), f.path, self._value(f, row_table))
            for f in table.fields
        ]
        tree: dict[str, Any] = {}
        for _position, path, value in sorted(entries, key=lambda e: e[0]):
            node = tree
            for group in path[:-1]:
                node = node.setdefault(odata_name(group), {})
            node[odata_name(path[-1])] = value
        return [(key, self._nested(value)) for key, value in tree.items()]

    def _nested(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json_object(*[p for k, v in value.items() for p in (k, self._nested(v))])
        return value

    def _value(self, out: OutField, row_table: sa.FromClause) -> Any:
        column = row_table.c[out.value.name]
        data_type = out.field.data_type
        if out.raw is not None:
            return row_table.c[out.raw.name]
        if data_type is DataType.DATE:
            return sa.cast(column, sa.Text)
        if data_type is DataType.GEOPOINT:
            return self._point(out, row_table)
        if data_type in LINE_TYPES:  # geotrace, geoshape
            kind = sa.literal(LINE_TYPES[data_type])
            return geo_wkt(column, kind) if self.query.wkt else self._json(geo_json(column, kind))
        if data_type is DataType.DECIMAL:
            return self._number(column)
        return column

    def _point(self, out: OutField, row_table: sa.FromClause) -> Any:
        lat, lon, alt, acc = (
            self._number(row_table.c[out.columns[role].name])
            for role in (
                ColumnRole.LATITUDE,
                ColumnRole.LONGITUDE,
                ColumnRole.ALTITUDE,
                ColumnRole.ACCURACY,
            )
        )
        if self.query.wkt:
            text = sa.case(
                (alt.is_(None), "POINT (" + _text(lon) + " " + _text(lat) + ")"),
                else_="POINT (" + _text(lon) + " " + _text(lat) + " " + _text(alt) + ")",
            )
            return sa.case((lat.is_(None), sa.null()), else_=text)
        # SQLite passes JSON through CASE as text: json() makes it JSON again.
        coordinates = sa.case(
            (alt.is_(None), json_array(lon, lat)), else_=json_array(lon, lat, alt)
        )
        point = sa.case(
            (acc.is_(None), json_object("type", "Point", "coordinates", coordinates)),
            else_=json_object(
                "type",
                "Point",
                "coordinates",
                coordinates,
                "properties",
                json_object("accuracy", acc),
            ),
        )
        return self._json(sa.case((lat.is_(None), sa.null()), else_=point))

    def _system(self, root: sa.FromClause) -> Any:
        subs = s.submissions
        present, expected, edits, submitter = submission_facts(root)
        return json_object(
            "submissionDate",
            utc_iso(subs.c.created_at),
            "updatedAt",
            utc_iso(subs.c.updated_at),
            "submitterId",
            sa.cast(subs.c.submitter_id, sa.Text),
            "submitterName",
            submitter,
            "attachmentsPresent",
            present,
            "attachmentsExpected",
            expected,
            "status",
            sa.null(),
            "reviewState",
            subs.c.review_state,
            "deviceId",
            subs.c.device_id,
            "edits",
            edits,
            "formVersion",
            root.c._form_version,
            "deletedAt",
            utc_iso(subs.c.deleted_at),
        )

    def _scores(self) -> Any:
        scores = s.rss_scores
        mine = scores.c.submission_id == s.submissions.c.id

        def one(column: Any) -> Any:
            return sa.select(column).where(mine).scalar_subquery()

        return json_object(
            "economic",
            one(scores.c.economic),
            "social",
            one(scores.c.social),
            "psychosocial",
            one(scores.c.psychosocial),
            "composite",
            one(scores.c.composite),
            "weightVersion",
            one(scores.c.weight_version),
        )

    def _json(self, value: Any) -> Any:
        return value if self.postgres else sa.func.json(value)

    def _number(self, value: Any) -> Any:
        """Numbers as Central writes them (JavaScript's parseFloat: 5.0 is 5). PostgreSQL's
        JSON already does this; SQLite writes a REAL 5.0 as 5.0."""
        if self.postgres:
            return value
        return sa.case(
            (value == sa.cast(value, sa.Integer), sa.cast(value, sa.Integer)), else_=value
        )

    def _parent_id(self, table: OutTable, row_table: sa.FromClause) -> Any:
        parent = self.model.table(table.parent) if table.parent else None
        if parent is None or parent.is_root:
            return s.submissions.c.instance_id
        parent_table = self.tables[parent.name]
        return (
            sa.select(parent_table.c._odata_id)
            .where(parent_table.c._id == row_table.c._parent_id)
            .scalar_subquery()
        )

    def _navigation(self, table: OutTable, row_table: sa.FromClause, child: OutTable) -> Any:
        key = s.submissions.c.instance_id if table.is_root else row_table.c._odata_id
        encoded: Any = key
        for plain, escaped in (
            ("%", "%25"),
            (":", "%3A"),
            ("/", "%2F"),
            (" ", "%20"),
            ("#", "%23"),
            ("?", "%3F"),
            ("&", "%26"),
        ):
            encoded = sa.func.replace(encoded, plain, escaped)
        return f"{table.odata_name}('" + encoded + "')/" + odata_name(child.repeat_name)

    def _expanded(self, child: OutTable, parent_table: sa.FromClause) -> Any:
        """The child repeat's rows as a JSON array, in order (a correlated subquery)."""
        child_table = self.tables[child.name].alias(f"x_{child.name}"[:60])
        body = self.entity(child, child_table, parent_table, top_level=False)
        where = child_table.c._parent_id == parent_table.c._id
        if self.postgres:
            aggregated = json_agg_ordered(body, child_table.c._id)
            return sa.select(aggregated).where(where).scalar_subquery()
        # SQLite (3.40) has no ORDER BY inside aggregates; it reads the children through the
        # _parent_id index, whose entries are in _id (rowid) order.
        return self._json(
            sa.select(sa.func.json_group_array(sa.func.json(body))).where(where).scalar_subquery()
        )

    def _selected(self, pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        chosen = self.query.select
        if not chosen:
            return pairs
        kept = []
        for key, value in pairs:
            if (key,) in chosen or key == "__id":
                kept.append((key, value))
            elif any(path[0] == key for path in chosen):
                kept.append((key, self._subselect(key, value, chosen)))
        return kept

    def _subselect(self, key: str, value: Any, chosen: frozenset[tuple[str, ...]]) -> Any:
        """A group or __system with only the members named in $select (`__system/edits`)."""
        arguments = list(getattr(value, "clauses", []))
        pairs = list(zip(arguments[::2], arguments[1::2], strict=True))
        wanted = {path[1] for path in chosen if path[0] == key and len(path) > 1}
        kept = [(k, v) for k, v in pairs if getattr(k, "value", None) in wanted]
        return json_object(*[p for pair in kept for p in pair])


def _text(value: Any) -> Any:
    return sa.cast(value, sa.Text)
