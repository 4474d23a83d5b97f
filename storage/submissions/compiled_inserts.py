"""The INSERTs of the pipelined write (storage/submissions/pipelined.py), compiled once per form
target: SQL text for psycopg, and each value put through its column's SQLAlchemy bind processor
under a parameter name of its own, as SQLAlchemy would at every execution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

from storage.schema import system as s


class Binds:
    """Parameters `{prefix}0`, `{prefix}1`… for columns `keys` of `table`, typed by column."""

    def __init__(self, dialect: Dialect, table: sa.Table, keys: Sequence[str], prefix: str) -> None:
        self.marks = {
            key: sa.bindparam(f"{prefix}{i}", type_=table.c[key].type) for i, key in enumerate(keys)
        }
        self._columns = [
            (key, f"{prefix}{i}", table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
            for i, key in enumerate(keys)
        ]

    def put(self, values: Mapping[str, object], into: dict[str, object], suffix: str = "") -> None:
        """`values` by column, as parameters (each name followed by `suffix`) into `into`."""
        for key, name, process in self._columns:
            value = values.get(key)
            into[name + suffix] = (
                process(value) if process is not None and value is not None else value
            )


class Statement:
    """An INSERT of one row, its other columns `computed` in SQL."""

    def __init__(
        self,
        dialect: Dialect,
        statement: Insert,
        table: sa.Table,
        keys: Sequence[str],
        computed: Mapping[str, sa.ColumnElement[Any]],
    ) -> None:
        self.binds = Binds(dialect, table, keys, "p")
        self.sql = str(statement.values({**self.binds.marks, **computed}).compile(dialect=dialect))

    def params(self, values: Mapping[str, object]) -> dict[str, object]:
        params: dict[str, object] = {}
        self.binds.put(values, params)
        return params


class Rows:
    """The INSERT of one row of a table, and of `n` rows in one statement (VALUES (…), (…)):
    a repeat's rows, or a multiple choice's, go to PostgreSQL as one statement instead of one
    per row."""

    def __init__(
        self,
        dialect: Dialect,
        table: sa.Table,
        keys: Sequence[str],
        computed: Mapping[str, sa.ColumnElement[Any]],
    ) -> None:
        self._dialect, self._table, self._keys, self._computed = dialect, table, keys, computed
        self.one = Statement(dialect, sa.insert(table), table, keys, computed)
        self._many: dict[int, str] = {}

    def many(self, rows: Sequence[Mapping[str, object]]) -> tuple[str, dict[str, object]]:
        """One statement for these rows' values, and its parameters."""
        count = len(rows)
        statement = self._many.get(count)
        if statement is None:
            values = [
                {
                    **{
                        key: sa.bindparam(f"p{i}_{j}", type_=self._table.c[key].type)
                        for i, key in enumerate(self._keys)
                    },
                    **self._computed,
                }
                for j in range(count)
            ]
            statement = str(sa.insert(self._table).values(values).compile(dialect=self._dialect))
            self._many[count] = statement
        params: dict[str, object] = {}
        for j, row in enumerate(rows):
            self.one.binds.put(row, params, f"_{j}")
        return statement, params


class SubmissionAndVersion:
    """The submission and its first version in one statement: the version is inserted from
    what the submission's INSERT returned, so nothing is when the instanceID is known already
    (ON CONFLICT DO NOTHING), and the statement answers the version's id and its submission's."""

    def __init__(
        self, dialect: Dialect, submission_keys: Sequence[str], version_keys: Sequence[str]
    ) -> None:
        submissions, versions = s.submissions, s.submission_versions
        rest = [k for k in version_keys if k != "submission_id"]
        self._submission = Binds(dialect, submissions, submission_keys, "s")
        self._version = Binds(dialect, versions, rest, "v")
        new = (
            postgresql.insert(submissions)
            .values(self._submission.marks)
            .on_conflict_do_nothing()
            .returning(submissions.c.id)
            .cte("new_submission")
        )
        statement = (
            postgresql.insert(versions)
            .from_select(
                ["submission_id", *rest], sa.select(new.c.id, *self._version.marks.values())
            )
            .on_conflict_do_nothing()
            .returning(versions.c.id, versions.c.submission_id)
        )
        self.sql = str(statement.compile(dialect=dialect))

    def params(
        self, submission: Mapping[str, object], version: Mapping[str, object]
    ) -> dict[str, object]:
        params: dict[str, object] = {}
        self._submission.put(submission, params)
        self._version.put(version, params)
        return params
