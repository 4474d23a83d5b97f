"""The registry of per-form data tables: which tables and columns physically exist for a form
(the union of all its versions), read back as a TablePlan and updated after each publish."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from converters.table_plan import (
    ColumnRole,
    ColumnSpec,
    PlanChanges,
    SqlType,
    TableKind,
    TablePlan,
    TableSpec,
)
from storage.schema import system as s


def load_plan(connection: Connection, form_id: int) -> TablePlan:
    """The form's tables and columns as they physically exist (every version's union)."""
    tables = (
        connection.execute(
            sa.select(s.data_tables)
            .where(s.data_tables.c.form_id == form_id)
            .order_by(s.data_tables.c.position)
        )
        .mappings()
        .all()
    )
    columns = (
        connection.execute(
            sa.select(s.data_columns)
            .join(s.data_tables)
            .where(s.data_tables.c.form_id == form_id)
            .order_by(s.data_columns.c.position)
        )
        .mappings()
        .all()
    )
    return TablePlan(
        tuple(
            TableSpec(
                t["name"],
                TableKind(t["kind"]),
                t["path"],
                t["parent_name"],
                tuple(_column_spec(c) for c in columns if c["table_name"] == t["name"]),
            )
            for t in tables
        )
    )


def taken_table_names(connection: Connection, form_id: int) -> set[str]:
    names = {
        r[0]
        for r in connection.execute(
            sa.select(s.data_tables.c.name).where(s.data_tables.c.form_id != form_id)
        )
    }
    names |= {
        r[0]
        for r in connection.execute(
            sa.select(s.forms.c.table_prefix).where(s.forms.c.id != form_id)
        )
    }
    names |= set(s.metadata.tables)
    return names


def register_tables(
    connection: Connection, form_id: int, physical: TablePlan, changes: PlanChanges
) -> None:
    new_names = {t.name for t in changes.new_tables}
    offset = connection.execute(
        sa.select(sa.func.count())
        .select_from(s.data_tables)
        .where(s.data_tables.c.form_id == form_id)
    ).scalar_one()
    for table in physical.tables:
        if table.name in new_names:
            connection.execute(
                sa.insert(s.data_tables).values(
                    name=table.name,
                    form_id=form_id,
                    kind=table.kind.value,
                    path=table.path,
                    parent_name=table.parent,
                    position=offset,
                )
            )
            offset += 1
    new_columns = [(t.name, c) for t in changes.new_tables for c in t.columns]
    new_columns += list(changes.new_columns)
    for table_name, column in new_columns:
        position = connection.execute(
            sa.select(sa.func.count())
            .select_from(s.data_columns)
            .where(s.data_columns.c.table_name == table_name)
        ).scalar_one()
        connection.execute(
            sa.insert(s.data_columns).values(
                table_name=table_name,
                name=column.name,
                xpath=column.xpath,
                role=column.role.value,
                sql_type=column.sql_type.value,
                kind=column.kind,
                position=position,
            )
        )
    for widening in changes.widened:
        connection.execute(
            sa.update(s.data_columns)
            .where(
                s.data_columns.c.table_name == widening.table,
                s.data_columns.c.name == widening.column,
            )
            .values(sql_type=widening.new.value)
        )


def _column_spec(row: RowMapping) -> ColumnSpec:
    return ColumnSpec(
        row["name"], row["xpath"], ColumnRole(row["role"]), SqlType(row["sql_type"]), row["kind"]
    )
