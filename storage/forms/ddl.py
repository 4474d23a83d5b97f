"""TableSpec -> SQLAlchemy Core tables, and the additive DDL that evolves them between versions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from converters.table_plan import (
    ColumnRole,
    ColumnSpec,
    PlanChanges,
    SqlType,
    TableKind,
    TablePlan,
    TableSpec,
    Widening,
)
from storage.db import is_postgres
from storage.schema import system as schema
from storage.types import DecimalType, TimeType, UtcDateTime, big_id


def sa_type(sql_type: SqlType) -> TypeEngine[Any]:
    types: dict[SqlType, TypeEngine[Any]] = {
        SqlType.TEXT: sa.Text(),
        SqlType.BIGINT: sa.BigInteger(),
        SqlType.DECIMAL: DecimalType(),
        SqlType.DOUBLE: sa.Double(),
        SqlType.BOOLEAN: sa.Boolean(),
        SqlType.DATE: sa.Date(),
        SqlType.TIMESTAMP: UtcDateTime(),
        SqlType.TIME: TimeType(),
    }
    return types[sql_type]


def build_tables(plan: TablePlan) -> dict[str, sa.Table]:
    """Core tables for every table of a plan, parents first, in one MetaData."""
    metadata = sa.MetaData()
    built: dict[str, sa.Table] = {}
    for spec in plan.tables:
        parent = built[spec.parent] if spec.parent else None
        built[spec.name] = _build(spec, metadata, parent)
    return built


def _build(spec: TableSpec, metadata: sa.MetaData, parent: sa.Table | None) -> sa.Table:
    submission_fk = sa.ForeignKey(schema.submissions.c.id, ondelete="CASCADE")
    columns: list[sa.Column[object]] = [
        sa.Column("_id", big_id(), primary_key=True, autoincrement=True),
    ]
    if spec.kind is TableKind.ROOT:
        columns += [
            sa.Column("_submission_id", sa.BigInteger, submission_fk, nullable=False, unique=True),
            sa.Column("_version_id", sa.BigInteger, nullable=False),
            sa.Column("_form_version", sa.Text),
        ]
    else:
        assert parent is not None, spec.name
        columns += [
            sa.Column("_submission_id", sa.BigInteger, submission_fk, nullable=False, index=True),
            sa.Column(
                "_parent_id",
                sa.BigInteger,
                sa.ForeignKey(parent.c._id, ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            sa.Column("_ordinal", sa.Integer, nullable=False),
        ]
        if spec.kind is TableKind.REPEAT:
            columns += [
                sa.Column("_form_version", sa.Text),
                sa.Column("_key", sa.Text),  # Central's CSV KEY: uuid:.../members[2]
                sa.Column("_odata_id", sa.String(40)),  # Central's OData __id of a repeat row
            ]
    columns += [_column(c) for c in spec.columns]
    return sa.Table(spec.name, metadata, *columns, info={"kind": spec.kind, "path": spec.path})


def _column(column: ColumnSpec) -> sa.Column[object]:
    return sa.Column(column.name, sa_type(column.sql_type), nullable=True)


def apply_changes(connection: Connection, changes: PlanChanges, physical: TablePlan) -> None:
    """Create new tables, add new columns and widen retyped ones, inside the caller's
    transaction. Nothing here can fail on existing data or drop any of it."""
    tables = build_tables(physical)
    for spec in changes.new_tables:
        tables[spec.name].create(connection)
    preparer = connection.dialect.identifier_preparer
    for table_name, column in changes.new_columns:
        ddl_type = sa_type(column.sql_type).compile(dialect=connection.dialect)
        connection.exec_driver_sql(
            f"ALTER TABLE {preparer.quote(table_name)} "
            f"ADD COLUMN {preparer.quote(column.name)} {ddl_type}"
        )
    for widening in changes.widened:
        _widen(connection, widening, physical.table(widening.table))


def _widen(connection: Connection, widening: Widening, spec: TableSpec) -> None:
    quote = connection.dialect.identifier_preparer.quote
    table, column = quote(widening.table), quote(widening.column)
    ddl_type = sa_type(widening.new).compile(dialect=connection.dialect)
    source = _widening_source(widening, spec, quote)
    if is_postgres(connection):
        _drop_order_indexes(connection, widening)
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {ddl_type} USING {source}"
        )
        return
    # SQLite cannot change a column's type; a table rebuild would fire ON DELETE CASCADE on the
    # child tables, so copy into a new column instead (DROP/RENAME COLUMN need SQLite 3.35).
    temporary = quote(f"_widen_{widening.column}"[:63])
    connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {temporary} {ddl_type}")
    connection.exec_driver_sql(f"UPDATE {table} SET {temporary} = {source}")  # noqa: S608 - quoted identifiers
    connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    connection.exec_driver_sql(f"ALTER TABLE {table} RENAME COLUMN {temporary} TO {column}")


def _drop_order_indexes(connection: Connection, widening: Widening) -> None:
    """The submissions table's index on the column's plain value (made when someone sorted
    by it, storage/submissions/table_indexes.py) would hold whole text answers once widened,
    and a B-tree entry over 2,704 bytes fails the INSERT: drop it; a later sort makes the one
    for text (on its first characters)."""
    names = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = CAST(:table AS regclass) AND a.attname = :column"
            " AND starts_with(c.relname, 'ix_order_')"
        ),
        {
            "table": connection.dialect.identifier_preparer.quote(widening.table),
            "column": widening.column,
        },
    ).scalars()
    for name in list(names):
        connection.exec_driver_sql(
            f"DROP INDEX {connection.dialect.identifier_preparer.quote(name)}"
        )


def _widening_source(widening: Widening, spec: TableSpec, quote: object) -> str:
    """The expression old values are converted from: a dateTime widened to text keeps the text
    as it was sent (with its UTC offset), taken from its raw column."""
    assert callable(quote)
    column = next(c for c in spec.columns if c.name == widening.column)
    if widening.new is SqlType.TEXT:
        raw = spec.column(column.xpath, ColumnRole.RAW)
        if raw is not None and widening.old is SqlType.TIMESTAMP:
            return str(quote(raw.name))
        return f"CAST({quote(widening.column)} AS TEXT)"
    target = "NUMERIC" if widening.new is SqlType.DECIMAL else widening.new.value.upper()
    return f"CAST({quote(widening.column)} AS {target})"
