"""Each OData row's JSON, built by the database in ODK Central's shape and key order
(lib/data/odata.js): answers nested in their groups, then `__id` and `__system` (or the parent's
id), and each repeat's navigation link (and rows, with `$expand=*`) inside the group that holds
it. Objects of any width: more members than a SQL call takes arguments are built in pieces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from converters.export_model import ExportModel, OutField, OutTable, odata_name
from converters.form_model import DataType
from converters.geometry import LINE_TYPES
from converters.table_plan import ColumnRole
from storage.exports.geometry import geo_json, geo_wkt
from storage.schema import system as s
from storage.sql_functions import (
    json_agg_ordered,
    json_array,
    json_object,
    json_object_text,
    json_object_wide,
    utc_iso,
)
from storage.submissions.queries import submission_facts

# An object under construction: each key's SQL value, or the members of a nested object.
Members = dict[str, Any]
_GROUP = object()  # in _answers: a group's place in the form


class RowJson:
    """Builds the JSON of one entity set's rows for one query ($select, $expand, $wkt)."""

    def __init__(
        self,
        model: ExportModel,
        tables: Mapping[str, sa.Table],
        *,
        postgres: bool,
        select: frozenset[tuple[str, ...]] | None = None,
        expand: bool = False,
        wkt: bool = False,
    ) -> None:
        self.model = model
        self.tables = tables
        self.postgres = postgres
        self.select = select
        self.expand = expand
        self.wkt = wkt

    def text(self, table: OutTable, row_table: sa.FromClause) -> ColumnElement[Any]:
        """The row as JSON text, as it goes out."""
        members = self.members(table, row_table, top_level=True)
        if self.select:
            members = _selected(members, (), self.select)
        return json_object_text(*_flat(members))

    def members(self, table: OutTable, row_table: sa.FromClause, *, top_level: bool) -> Members:
        """The row's members in Central's order: its answers (groups nested, in form order),
        `__id`, `__system` (submissions) or the parent's id (repeat rows, unless inlined by
        $expand), then each child repeat's navigation link (and rows) in its group."""
        members = self._answers(table, row_table)
        if table.is_root:
            members["__id"] = s.submissions.c.instance_id
            members["__system"] = self._system(row_table)
            if self.model.scored:
                members["__rss"] = self._scores()
        else:
            members["__id"] = row_table.c._odata_id
            if top_level:
                members[table.odata_parent_key] = self._parent_id(table, row_table)
        for name in table.children:
            child = self.model.table(name)
            node = members
            for group in self._groups_between(table, child):
                node = node[group]
            key = odata_name(child.repeat_name)
            node[f"{key}@odata.navigationLink"] = self._navigation(table, row_table, child)
            if self.expand:
                node[key] = self._expanded(child, row_table)
        return members

    def _answers(self, table: OutTable, row_table: sa.FromClause) -> Members:
        """The table's fields nested in their groups, in form order; a group that holds only
        repeats is there too (empty but for their links), where the form has it."""
        entries: list[tuple[int, tuple[str, ...], Any]] = [
            (self._position(f.field.xpath), _names(f.path), self._value(f, row_table))
            for f in table.fields
        ]
        for name in table.children:
            groups = [n for n, _ in self.model.table(name).segments[len(table.segments) : -1]]
            for end in range(1, len(groups) + 1):
                xpath = "/".join([table.spec.path, *groups[:end]])
                entries.append((self._position(xpath), _names(groups[:end]), _GROUP))
        tree: Members = {}
        for _position, path, value in sorted(entries, key=lambda entry: entry[0]):
            node = tree
            for group in path[:-1]:
                node = node.setdefault(group, {})
            if value is _GROUP:
                node.setdefault(path[-1], {})
            else:
                node[path[-1]] = value
        return tree

    def _position(self, xpath: str) -> int:
        return self.model.order.get(xpath, len(self.model.order))

    def _groups_between(self, table: OutTable, child: OutTable) -> list[str]:
        return [odata_name(n) for n, _ in child.segments[len(table.segments) : -1]]

    def _value(self, out: OutField, row_table: sa.FromClause) -> Any:
        if not out.has_column:  # a note or entity label the form's tables predate
            return sa.null()
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
            return geo_wkt(column, kind) if self.wkt else self._json(geo_json(column, kind))
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
        if self.wkt:
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

    def _system(self, root: sa.FromClause) -> Members:
        subs = s.submissions
        present, expected, edits, submitter = submission_facts(root)
        return {
            "submissionDate": utc_iso(subs.c.created_at),
            "updatedAt": utc_iso(subs.c.updated_at),
            "submitterId": sa.cast(subs.c.submitter_id, sa.Text),
            "submitterName": submitter,
            "attachmentsPresent": present,
            "attachmentsExpected": expected,
            "status": sa.null(),
            "reviewState": subs.c.review_state,
            "deviceId": subs.c.device_id,
            "edits": edits,
            "formVersion": root.c._form_version,
            "deletedAt": utc_iso(subs.c.deleted_at),
        }

    def _scores(self) -> Members:
        scores = s.rss_scores
        mine = scores.c.submission_id == s.submissions.c.id

        def one(column: Any) -> Any:
            return sa.select(column).where(mine).scalar_subquery()

        return {
            "economic": one(scores.c.economic),
            "social": one(scores.c.social),
            "psychosocial": one(scores.c.psychosocial),
            "composite": one(scores.c.composite),
            "weightVersion": one(scores.c.weight_version),
        }

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
        return self._ancestor_ids(table, row_table)[-2]

    def _ancestor_ids(self, table: OutTable, row_table: sa.FromClause) -> list[Any]:
        """The OData ids of the repeat rows from the top down to this row (the row's own
        last), as correlated subqueries up its parents."""
        ids: list[Any] = [row_table.c._odata_id]
        parent_id: Any = row_table.c._parent_id
        current = table
        while current.parent is not None and not self.model.table(current.parent).is_root:
            current = self.model.table(current.parent)
            above = self.tables[current.name].alias()
            row = sa.select(above.c._odata_id, above.c._parent_id).where(above.c._id == parent_id)
            ids.insert(0, row.with_only_columns(above.c._odata_id).scalar_subquery())
            parent_id = row.with_only_columns(above.c._parent_id).scalar_subquery()
        return ids

    def _navigation(self, table: OutTable, row_table: sa.FromClause, child: OutTable) -> Any:
        """Central's link (lib/data/odata.js navigationLink): the submission, then each group
        and repeat down to the child repeat, every repeat above it with its row's id:
        `Submissions('uuid%3A…')/hh/members('3f2a…')/jobs`."""
        link: Any = "Submissions('" + _url_quoted(s.submissions.c.instance_id) + "')"
        ids = [] if table.is_root else self._ancestor_ids(table, row_table)
        repeats = 0
        for name, is_repeat in child.segments[:-1]:
            link = link + "/" + odata_name(name)
            if is_repeat:
                link = link + "('" + ids[repeats] + "')"
                repeats += 1
        return link + "/" + odata_name(child.repeat_name)

    def _expanded(self, child: OutTable, parent_table: sa.FromClause) -> Any:
        """The child repeat's rows as a JSON array, in order (a correlated subquery)."""
        child_table = self.tables[child.name].alias(f"x_{child.name}"[:60])
        body = json_object_wide(*_flat(self.members(child, child_table, top_level=False)))
        where = child_table.c._parent_id == parent_table.c._id
        if self.postgres:
            aggregated = json_agg_ordered(body, child_table.c._id)
            return sa.select(aggregated).where(where).scalar_subquery()
        # SQLite (3.40) has no ORDER BY inside aggregates; it reads the children through the
        # _parent_id index, whose entries are in _id (rowid) order.
        return self._json(
            sa.select(sa.func.json_group_array(sa.func.json(body))).where(where).scalar_subquery()
        )


def _names(path: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(odata_name(name) for name in path)


def _flat(members: Members) -> list[Any]:
    """key, value, key, value... with nested objects built."""
    flat: list[Any] = []
    for key, value in members.items():
        flat += [key, json_object_wide(*_flat(value)) if isinstance(value, dict) else value]
    return flat


def _selected(
    members: Members, prefix: tuple[str, ...], chosen: frozenset[tuple[str, ...]]
) -> Members:
    """The members $select names (`respondent/resp_age`, `__system/edits`), with the groups
    that lead to them; `__id` always."""
    kept: Members = {}
    for key, value in members.items():
        path = (*prefix, key.removesuffix("@odata.navigationLink"))
        if path in chosen or (not prefix and key == "__id"):
            kept[key] = value
        elif isinstance(value, dict) and any(p[: len(path)] == path for p in chosen):
            kept[key] = _selected(value, path, chosen)
    return kept


_URL_ESCAPES = (
    ("%", "%25"),
    (":", "%3A"),
    ("/", "%2F"),
    (" ", "%20"),
    ("#", "%23"),
    ("?", "%3F"),
    ("&", "%26"),
)


def _url_quoted(value: Any) -> Any:
    """encodeURIComponent of an instance ID, in SQL (IDs hold [A-Za-z0-9:._-] since intake
    checks them; older ones may hold more)."""
    for plain, escaped in _URL_ESCAPES:
        value = sa.func.replace(value, plain, escaped)
    return value


def _text(value: Any) -> Any:
    return sa.cast(value, sa.Text)
