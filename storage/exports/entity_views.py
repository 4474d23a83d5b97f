"""An entity list as a relational view for SQL users and BI tools: one row per entity (deleted
ones left out), one text column per property, sensitive properties left out as in every
analyst's view. `analytics.entities__<list>` on PostgreSQL, `analytics__entities__<list>` on
SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.form_model import FormSchema
from storage.db import is_postgres
from storage.entities.lists import CASE_NUMBER, EntityListRecord, ensure_list, find_list
from storage.exports.form_views import READER_ROLE, replace_view
from storage.schema import system as s

PREFIX = "entities__"


def entity_view_name(connection: Connection, entity_list: EntityListRecord) -> str:
    name = f"{PREFIX}{entity_list.name}"
    return name if is_postgres(connection) else f"analytics__{name}"


def refresh_entity_view(
    connection: Connection, entity_list: EntityListRecord, *, reader: str = READER_ROLE
) -> bool:
    table = s.entities
    postgres = is_postgres(connection)

    def property_value(prop: str) -> Any:
        return (
            table.c.data.op("->>")(sa.literal(prop, sa.Text))
            if postgres
            else sa.func.json_extract(table.c.data, f'$."{prop}"')
        )

    # Labels are built from names: with sensitive properties, the case number stands in.
    label = (
        sa.func.coalesce(sa.cast(property_value(CASE_NUMBER), sa.Text), table.c.uuid)
        if entity_list.sensitive
        else table.c.label
    )
    columns: list[Any] = [
        table.c.uuid.label("uuid"),
        label.label("label"),
        table.c.version.label("version"),
        table.c.conflict.label("conflict"),
        table.c.created_at.label("created_at"),
        table.c.updated_at.label("updated_at"),
    ]
    taken = {c.name for c in columns}
    for prop in entity_list.properties:
        if prop in entity_list.sensitive or prop in taken:
            continue
        columns.append(sa.cast(property_value(prop), sa.Text).label(prop))
    # Empty while the list's project is in the trash (storage/lifecycle/trash.py), read at query
    # time.
    live = sa.exists().where(
        s.projects.c.id == entity_list.project_id, s.projects.c.deleted_at.is_(None)
    )
    select = sa.select(*columns).where(
        table.c.list_id == entity_list.id, table.c.deleted_at.is_(None), live
    )
    return replace_view(
        connection, entity_view_name(connection, entity_list), select, reader=reader
    )


def refresh_all_entity_views(connection: Connection, *, reader: str = READER_ROLE) -> None:
    rows = connection.execute(sa.select(s.entity_lists.c.project_id, s.entity_lists.c.name))
    for project_id, name in rows.all():
        found = find_list(connection, project_id, name)
        if found is not None:
            refresh_entity_view(connection, found, reader=reader)


def fill_entity_lists(
    connection: Connection, project_id: int, schema: FormSchema, now: datetime
) -> None:
    """The lists a published form fills, created or given its properties (sensitive when the
    field they are saved from is), and their views."""
    for declaration in schema.entities:
        entity_list = ensure_list(
            connection,
            project_id,
            declaration.dataset,
            [p.name for p in declaration.properties],
            now,
            sensitive=[
                p.name
                for p in declaration.properties
                if (field := schema.field(p.xpath)) is not None and field.sensitive
            ],
        )
        refresh_entity_view(connection, entity_list)
