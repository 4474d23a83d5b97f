"""A new submission as one SQL statement (issue 22): the form lookup, the submission, its first
version, every row of the form's tables, the received files' blobs and the attachments, as
INSERTs in the data-modifying CTEs of one `WITH … SELECT`. psycopg then converts one query and
PostgreSQL parses, binds and starts one statement per submission instead of one per table.

Each INSERT takes the ids it needs from what the INSERT before it returned: the root row from
the new version (so nothing is inserted when the instanceID is known already), a repeat's or a
multiple choice's rows from their parent's, a nested row finding its parent among the rows
returned by its parent's INSERT by the parent's `_key` (unique within a submission), an
attachment its version. A row that finds no parent or version has a NULL id there and the
whole statement fails on it: the caller then rolls back. A blob is content-addressed: its
INSERT does nothing when the blob is stored already.

The statement is compiled once per form target and shape (how many rows go to each table,
how many blobs and attachments) and answers one row: the form as FORM_AND_VERSION reads it
(with the purged check and, for a device let in from memory, its app user), then the new
version's id and its submission's, NULL when nothing was inserted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Dialect

from converters.submission import RowRecord
from converters.table_plan import TableKind
from storage.schema import system as s
from storage.submissions.rows import row_values
from storage.submissions.store import FormTarget

# PostgreSQL's wire protocol counts a statement's parameters in 16 bits; a submission with more
# values than this (thousands of repeat rows) goes step by step.
MAX_PARAMETERS = 30_000
# Shapes compiled per form target and lookup: a form's submissions mostly come in a few.
_SHAPES_KEPT = 64


class OneStatement:
    """The statements that write a new submission to one form target, by shape."""

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
        self._dialect, self._target, self._lookups = dialect, target, lookups
        submissions, versions = s.submissions, s.submission_versions
        self._version_keys = [k for k in version_keys if k != "submission_id"]
        self._submission = Binds(dialect, submissions, submission_keys, "s")
        self._version = Binds(dialect, versions, self._version_keys, "v")
        self._blob = Binds(dialect, s.blobs, blob_keys, "b")
        self._attachment = Binds(dialect, s.submission_attachments, attachment_keys, "a")
        self._tables = []
        self._index = {}
        for i, spec in enumerate(target.version_plan.tables):
            table = target.tables[spec.name]
            keys = [c.name for c in table.columns if c.name not in _LINKS]
            self._tables.append((spec, table, keys, Binds(dialect, table, keys, f"t{i}c")))
            self._index[spec.name] = i
        # Compiled with PostgreSQL's own placeholders ($1, $2…) for psycopg's RawCursor, which
        # sends the text as it is: psycopg parses a %(name)s query on every execution once it
        # is longer than 4 KB (it caches shorter ones), about 1 ms for this statement.
        self._numbered = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
        self._compiled: dict[tuple[bool, tuple[int, ...]], tuple[str, list[str]]] = {}

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
    ) -> tuple[str, list[object]] | None:
        """The SQL and its parameters in order for this submission (for psycopg's RawCursor),
        or None when it has too many values for one statement."""
        plan, form_version = self._target.version_plan, self._target.version
        by_table: list[list[RowRecord]] = [[] for _ in self._tables]
        for row in rows:
            by_table[self._index[row.table]].append(row)
        values_needed = sum(
            len(table_rows) * (len(keys) + 1)  # each row's values, and its parent's _key
            for table_rows, (_spec, _table, keys, _binds) in zip(
                by_table, self._tables, strict=True
            )
        )
        values_needed += len(blobs) * 5 + len(attachments) * 5
        if values_needed > MAX_PARAMETERS:
            return None
        params: dict[str, object] = dict(lookup)
        self._submission.put(submission, params)
        self._version.put(version, params)
        for j, blob in enumerate(blobs):
            self._blob.put(blob, params, f"_{j}")
        for j, attachment in enumerate(attachments):
            self._attachment.put(attachment, params, f"_{j}")
        repeat_keys: dict[int, object] = {}  # a repeat row's key in the submission -> its _key
        for i, (spec, _table, _keys, binds) in enumerate(self._tables):
            for j, row in enumerate(by_table[i]):
                values = row_values(
                    plan.table(row.table), row, form_version=form_version, instance_id=instance_id
                )
                binds.put(values, params, f"_{j}")
                if spec.kind is TableKind.REPEAT:
                    repeat_keys[row.key] = values["_key"]
                if row.parent is not None and row.parent in repeat_keys:
                    params[f"t{i}k_{j}"] = repeat_keys[row.parent]
        shape = (with_app_user, (*(len(t) for t in by_table), len(blobs), len(attachments)))
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compile(*shape)
            if len(self._compiled) >= _SHAPES_KEPT:  # (threads share it: clear, don't iterate)
                self._compiled.clear()
            self._compiled[shape] = compiled
        sql, names = compiled
        return sql, [params[name] for name in names]

    def _compile(self, with_app_user: bool, counts: tuple[int, ...]) -> tuple[str, list[str]]:
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
        inserted: dict[str, Any] = {}  # table name -> the CTE of its INSERT
        ctes = [new_submission, new_version]
        for i, ((spec, table, keys, binds), count) in enumerate(
            zip(self._tables, counts[:-2], strict=True)
        ):
            if count == 0:
                continue
            returned = [table.c._id]
            if spec.kind is TableKind.REPEAT:
                returned.append(table.c._key)
            marks = [self._marks(binds, table, j) for j in range(count)]
            if spec.kind is TableKind.ROOT:
                insert = sa.insert(table).from_select(
                    ["_submission_id", "_version_id", *keys],
                    sa.select(new_version.c.submission_id, new_version.c.id, *marks[0].values()),
                )
            else:
                assert spec.parent is not None
                parent = inserted[spec.parent]
                submission_id = sa.select(new_version.c.submission_id).scalar_subquery()
                rows = []
                for j, row_marks in enumerate(marks):
                    parent_id = sa.select(parent.c._id)
                    if self._tables[self._index[spec.parent]][0].kind is TableKind.REPEAT:
                        parent_id = parent_id.where(parent.c._key == sa.bindparam(f"t{i}k_{j}"))
                    rows.append(
                        {
                            **row_marks,
                            "_parent_id": parent_id.scalar_subquery(),
                            "_submission_id": submission_id,
                        }
                    )
                insert = sa.insert(table).values(rows)
            cte = insert.returning(*returned).cte(f"t{i}")
            inserted[spec.name] = cte
            ctes.append(cte)
        blobs, attachments = counts[-2:]
        if blobs:
            ctes.append(
                postgresql.insert(s.blobs)
                .values([self._marks(self._blob, s.blobs, j) for j in range(blobs)])
                .on_conflict_do_nothing()
                .returning(s.blobs.c.sha256)
                .cte("new_blobs")
            )
        if attachments:
            version_id = sa.select(new_version.c.id).scalar_subquery()
            table = s.submission_attachments
            ctes.append(
                sa.insert(table)
                .values(
                    [
                        {
                            **self._marks(self._attachment, table, j),
                            "submission_version_id": version_id,
                        }
                        for j in range(attachments)
                    ]
                )
                .returning(table.c.id)
                .cte("new_attachments")
            )
        form = self._lookups[with_app_user].subquery("form")
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
        compiled = answer.compile(dialect=self._numbered)
        return str(compiled), list(compiled.positiontup or ())

    @staticmethod
    def _marks(binds: Binds, table: sa.Table, j: int) -> dict[str, Any]:
        """The parameters of row `j` of `binds`' columns, as Binds.put names them."""
        return {
            key: sa.bindparam(f"{name}_{j}", type_=table.c[key].type) for key, name in binds.names
        }


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

    def put(self, values: Mapping[str, object], into: dict[str, object], suffix: str = "") -> None:
        """`values` by column, as parameters (each name followed by `suffix`) into `into`."""
        for key, name, process in self._columns:
            value = values.get(key)
            into[name + suffix] = (
                process(value) if process is not None and value is not None else value
            )


# The columns that point at other rows, which the statement fills from what it inserted.
_LINKS = frozenset({"_id", "_submission_id", "_version_id", "_parent_id"})
