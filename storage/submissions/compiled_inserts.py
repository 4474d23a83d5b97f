"""Parameters and INSERTs of the pipelined write (storage/submissions/pipelined.py and
one_statement.py), compiled once per form target: each value put through its column's
SQLAlchemy bind processor under a parameter name of its own, as SQLAlchemy would at every
execution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert


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
