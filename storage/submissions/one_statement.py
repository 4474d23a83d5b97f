"""A new submission as one SQL statement (issue 22): the form lookup, the submission, its first
version, every row of the form's tables, the received files' blobs and the attachments, as
INSERTs in the data-modifying CTEs of one `WITH … SELECT`. psycopg then converts one query and
PostgreSQL parses, binds and starts one statement per submission instead of one per table.

The root row's values are parameters of their own; every other table's rows come as arrays, a
column at a time, through `unnest(…) WITH ORDINALITY`, so the text does not depend on how many
rows a submission has: it is compiled twice per form target (without and with a device's app
user in the lookup), and psycopg prepares it once per connection. (A text per number of rows
cost a 40 ms compilation, and PostgreSQL a plan, for every new combination of repeat counts.)

Each INSERT takes the ids it needs from what the INSERT before it returned: the root row from
the new version, so nothing at all is inserted when the instanceID is known already (the
answer then says so); a repeat's or a multiple choice's rows their parent's `_id`, a nested row
finding its parent among the rows its parent's INSERT returned by the parent's `_key` (unique
within a submission; outer-joined, so a row without its parent fails the statement on its NULL
`_parent_id` instead of being dropped); an attachment its version's id. A blob is
content-addressed: its INSERT does nothing when the blob is stored already.

The statement answers one row: the form as FORM_AND_VERSION reads it (with the purged check
and, for a device let in from memory, its app user), then the new version's id and its
submission's, NULL when nothing was inserted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Dialect

from converters.submission import RowRecord
from converters.table_plan import TableKind, TableSpec
from storage.schema import system as s
from storage.submissions.rows import row_values
from storage.submissions.store import FormTarget


class OneStatement:
    """The statement that writes a new submission to one form target: two texts, without and
    with the device's app user in the lookup."""

    def __init__(
        self,
        dialect: Dialect,
        target: FormTarget,
        lookups: Mapping[bool, sa.Select[Any]],
        submission_keys: Sequence[str],
        version_keys: Sequence[str],
        blob_keys: Sequence[str],
        attachment_keys: Sequence[str],
    ) -> None:
        """`lookups`: the form's SELECT, without (False) and with (True) the app user's
        columns; their parameters are the caller's, the INSERTs' are named here."""
        self._target = target
        submissions, versions = s.submissions, s.submission_versions
        self._version_keys = [k for k in version_keys if k != "submission_id"]
        self._submission = Binds(dialect, submissions, submission_keys, "s")
        self._version = Binds(dialect, versions, self._version_keys, "v")
        self._blob = Binds(dialect, s.blobs, blob_keys, "b")
        self._attachment = Binds(dialect, s.submission_attachments, attachment_keys, "a")
        self._tables: list[tuple[TableSpec, sa.Table, Binds]] = []
        self._index: dict[str, int] = {}
        for i, spec in enumerate(target.version_plan.tables):
            table = target.tables[spec.name]
            keys = [c.name for c in table.columns if c.name not in _LINKS]
            self._tables.append((spec, table, Binds(dialect, table, keys, f"t{i}c")))
            self._index[spec.name] = i
        # Compiled with PostgreSQL's own placeholders ($1, $2…) for psycopg's RawCursor, which
        # sends the text as it is: psycopg parses a %(name)s query on every execution once it
        # is longer than 4 KB (it caches shorter ones), about 1 ms for this statement.
        numbered = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
        self._compiled = {
            with_app_user: self._compile(lookups[with_app_user], numbered)
            for with_app_user in (False, True)
        }

    def statement(
        self,
        rows: Sequence[RowRecord],
        instance_id: str,
        submission: Mapping[str, object],
        version: Mapping[str, object],
        lookup: Mapping[str, object],
        with_app_user: bool,
        blobs: Sequence[Mapping[str, object]] = (),
        attachments: Sequence[Mapping[str, object]] = (),
    ) -> tuple[str, list[object]]:
        """The SQL and its parameters in order for this submission (for psycopg's RawCursor):
        the root row's values one by one, every other table's a column at a time, as arrays."""
        plan, form_version = self._target.version_plan, self._target.version
        by_table: list[list[Mapping[str, object]]] = [[] for _ in self._tables]
        parents: list[list[object]] = [[] for _ in self._tables]
        repeat_keys: dict[int, object] = {}  # a repeat row's key in the submission -> its _key
        for row in rows:  # parents come before their children
            i = self._index[row.table]
            spec = self._tables[i][0]
            values = row_values(
                plan.table(row.table), row, form_version=form_version, instance_id=instance_id
            )
            by_table[i].append(values)
            if spec.kind is TableKind.REPEAT:
                repeat_keys[row.key] = values["_key"]
            parents[i].append(repeat_keys.get(row.parent) if row.parent is not None else None)
        params: dict[str, object] = dict(lookup)
        self._submission.put(submission, params)
        self._version.put(version, params)
        self._blob.put_columns(blobs, params)
        self._attachment.put_columns(attachments, params)
        for i, (spec, _table, binds) in enumerate(self._tables):
            if spec.kind is TableKind.ROOT:
                binds.put(by_table[i][0] if by_table[i] else {}, params)
            else:
                binds.put_columns(by_table[i], params)
                params[f"t{i}k"] = parents[i]
        sql, names = self._compiled[with_app_user]
        return sql, [params[name] for name in names]

    def _compile(self, lookup: sa.Select[Any], dialect: Dialect) -> tuple[str, list[str]]:
        submissions, versions = s.submissions, s.submission_versions
        new_submission = (
            postgresql.insert(submissions)
            .values(self._submission.marks)
            .on_conflict_do_nothing()
            .returning(submissions.c.id)
            .cte("new_submission")
        )
        new_version = (
            postgresql.insert(versions)
            .from_select(
                ["submission_id", *self._version_keys],
                sa.select(new_submission.c.id, *self._version.marks.values()),
            )
            .on_conflict_do_nothing()
            .returning(versions.c.id, versions.c.submission_id)
            .cte("new_version")
        )
        ctes = [new_submission, new_version]
        inserted: dict[str, Any] = {}  # table name -> the CTE of its INSERT
        for i, (spec, table, binds) in enumerate(self._tables):
            keys = list(binds.marks)
            returned = [table.c._id]
            if spec.kind is TableKind.REPEAT:
                returned.append(table.c._key)
            if spec.kind is TableKind.ROOT:
                insert = sa.insert(table).from_select(
                    ["_submission_id", "_version_id", *keys],
                    sa.select(new_version.c.submission_id, new_version.c.id, *binds.marks.values()),
                )
            else:
                assert spec.parent is not None
                parent = inserted[spec.parent]
                parent_kind = self._tables[self._index[spec.parent]][0].kind
                rows = _unnest(binds, table, f"t{i}k", f"u{i}")
                found = (
                    parent.c._key == rows.c.parent_key
                    if parent_kind is TableKind.REPEAT
                    else sa.true()
                )
                insert = sa.insert(table).from_select(
                    ["_submission_id", "_parent_id", *keys],
                    sa.select(
                        new_version.c.submission_id,
                        parent.c._id,
                        *[rows.c[f"c{k}"] for k in range(len(keys))],
                    )
                    .select_from(new_version)
                    .join(rows, sa.true())
                    # A row whose parent is not found keeps a NULL _parent_id, which fails the
                    # statement: never a row dropped.
                    .outerjoin(parent, found)
                    .order_by(rows.c.n),
                )
            cte = insert.returning(*returned).cte(f"t{i}")
            inserted[spec.name] = cte
            ctes.append(cte)
        blobs = _unnest(self._blob, s.blobs, None, "blob_rows")
        ctes.append(
            postgresql.insert(s.blobs)
            .from_select(
                list(self._blob.marks),
                sa.select(*[blobs.c[f"c{k}"] for k in range(len(self._blob.marks))]),
            )
            .on_conflict_do_nothing()
            .returning(s.blobs.c.sha256)
            .cte("new_blobs")
        )
        table = s.submission_attachments
        attachments = _unnest(self._attachment, table, None, "attachment_rows")
        ctes.append(
            sa.insert(table)
            .from_select(
                ["submission_version_id", *self._attachment.marks],
                sa.select(
                    new_version.c.id,
                    *[attachments.c[f"c{k}"] for k in range(len(self._attachment.marks))],
                )
                .select_from(new_version)
                .join(attachments, sa.true())
                .order_by(attachments.c.n),
            )
            .returning(table.c.id)
            .cte("new_attachments")
        )
        form = lookup.subquery("form")
        one = sa.select(sa.literal_column("1").label("one")).subquery("one")
        answer = (
            sa.select(
                form,
                new_version.c.id.label("new_version_id"),
                new_version.c.submission_id.label("new_submission_id"),
            )
            .select_from(one)
            .outerjoin(form, sa.true())
            .outerjoin(new_version, sa.true())
            .add_cte(*ctes)
        )
        compiled = answer.compile(dialect=dialect)
        return str(compiled), list(compiled.positiontup or ())


def _unnest(binds: Binds, table: sa.Table, parent_keys: str | None, name: str) -> Any:
    """`unnest($1::type[], $2::type[], …) WITH ORDINALITY AS name(c0, c1, …[, parent_key], n)`:
    the rows whose columns Binds.put_columns gave as arrays, in their order."""
    arrays = [
        sa.bindparam(mark, type_=postgresql.ARRAY(table.c[key].type)) for key, mark in binds.names
    ]
    columns = [f"c{k}" for k in range(len(arrays))]
    if parent_keys is not None:
        arrays.append(sa.bindparam(parent_keys, type_=postgresql.ARRAY(sa.Text())))
        columns.append("parent_key")
    return (
        sa.func.unnest(*arrays)
        .table_valued(*columns, with_ordinality="n")
        .render_derived(name=name)
    )


class Binds:
    """Parameters `{prefix}0`, `{prefix}1`… for columns `keys` of `table`, typed by column."""

    def __init__(self, dialect: Dialect, table: sa.Table, keys: Sequence[str], prefix: str) -> None:
        self.marks = {
            key: sa.bindparam(f"{prefix}{i}", type_=table.c[key].type) for i, key in enumerate(keys)
        }
        self.names = [(key, f"{prefix}{i}") for i, key in enumerate(keys)]
        self._columns = [
            (key, name, table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
            for key, name in self.names
        ]

    def put(self, values: Mapping[str, object], into: dict[str, object]) -> None:
        """`values` by column, as parameters into `into`."""
        for key, name, process in self._columns:
            value = values.get(key)
            into[name] = process(value) if process is not None and value is not None else value

    def put_columns(self, rows: Sequence[Mapping[str, object]], into: dict[str, object]) -> None:
        """The values of `rows`, a list per column (for unnest), as parameters into `into`."""
        for key, name, process in self._columns:
            values = [row.get(key) for row in rows]
            if process is not None:
                values = [process(v) if v is not None else v for v in values]
            into[name] = values


# The columns that point at other rows, which the statement fills from what it inserted.
_LINKS = frozenset({"_id", "_submission_id", "_version_id", "_parent_id"})
