"""An entity list as the web interface shows it: a page of entities matching a search (accent-
and case-insensitive, over the properties the viewer may read), a property filter and the
conflict and held-update badges; and an entity's held updates (the backlog of offline updates
waiting for the one they build on, storage/entities/backlog.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from storage.entities.lists import EntityListRecord
from storage.entities.queries import property_text, record
from storage.entities.records import EntityRecord
from storage.schema import system as s
from storage.text_search import contains_folded, fold, folded

SEPARATOR = "\x1f"  # between the values searched: no one types it


@dataclass(frozen=True, slots=True)
class TableQuery:
    """What the viewer asks of the list. `readable`: the properties the viewer may read (the
    only ones searched or filtered on, so a match tells nothing about a hidden value);
    `label`: whether the label may be searched (it is built from names)."""

    readable: tuple[str, ...]
    label: bool
    text: str = ""
    filter: tuple[str, str] | None = None  # (property, value): equal, folded
    conflicts_only: bool = False
    held_only: bool = False


@dataclass(frozen=True, slots=True)
class TableRow:
    entity: EntityRecord
    held: int  # updates from devices waiting for the update they build on


@dataclass(frozen=True, slots=True)
class HeldUpdate:
    """An offline update held in the backlog: which submission, on which of the device's
    versions it builds, in which offline branch, and since when."""

    instance_id: str
    xml_form_id: str
    base_version: int
    trunk_version: int | None
    branch_id: str | None
    held_at: datetime


def _held_count(list_id: int) -> sa.ScalarSelect[int]:
    backlog = s.entity_backlog
    return (
        sa.select(sa.func.count())
        .where(backlog.c.list_id == list_id, backlog.c.entity_uuid == s.entities.c.uuid)
        .scalar_subquery()
    )


def table_conditions(
    connection: Connection, entity_list: EntityListRecord, query: TableQuery
) -> list[ColumnElement[bool]]:
    e = s.entities
    found: list[ColumnElement[bool]] = [e.c.list_id == entity_list.id, e.c.deleted_at.is_(None)]
    if query.text:
        columns = [property_text(connection, name) for name in query.readable]
        if query.label:
            columns.append(e.c.label)
        # One string per entity, folded once rather than once per property (bench/
        # entity_pages.py); the separator keeps a match from spanning two values.
        joined: ColumnElement[Any] = sa.literal("", sa.Text)
        for column in columns:
            joined = joined + sa.func.coalesce(sa.cast(column, sa.Text), "") + SEPARATOR
        found.append(sa.or_(contains_folded(joined, query.text), e.c.uuid == query.text.strip()))
    if query.filter is not None:
        name, value = query.filter
        found.append(folded(property_text(connection, name)) == fold(value))
    if query.conflicts_only:
        found.append(e.c.conflict.is_not(None))
    if query.held_only:
        found.append(_held_count(entity_list.id) > 0)
    return found


def entity_page(
    connection: Connection,
    entity_list: EntityListRecord,
    query: TableQuery,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[TableRow], int]:
    """One page of the list's live entities matching `query`, newest first, and how many
    match in all (two queries whatever the list's size: the page, and the count)."""
    e = s.entities
    conditions = table_conditions(connection, entity_list, query)
    rows = connection.execute(
        sa.select(e, _held_count(entity_list.id).label("held_updates"))
        .where(*conditions)
        .order_by(e.c.created_at.desc(), e.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).mappings()
    page = [TableRow(record(r), int(r["held_updates"] or 0)) for r in rows]
    total = connection.execute(sa.select(sa.func.count()).where(*conditions)).scalar_one()
    return page, int(total)


def held_updates(connection: Connection, list_id: int, uuid: str) -> list[HeldUpdate]:
    """The entity's updates held in the backlog, in the order they would be applied."""
    backlog, subs, forms = s.entity_backlog, s.submissions, s.forms
    rows = connection.execute(
        sa.select(
            subs.c.instance_id,
            forms.c.xml_form_id,
            backlog.c.branch_base_version,
            backlog.c.branch_id,
            backlog.c.held_at,
            backlog.c.action,
        )
        .join(subs, subs.c.id == backlog.c.submission_id)
        .join(forms, forms.c.id == subs.c.form_id)
        .where(backlog.c.list_id == list_id, backlog.c.entity_uuid == uuid)
        .order_by(backlog.c.branch_id, backlog.c.branch_base_version, backlog.c.id)
    )
    found = []
    for instance_id, form_id, base, branch, held_at, action in rows:
        trunk = action.get("trunkVersion") if isinstance(action, dict) else None
        found.append(
            HeldUpdate(
                instance_id,
                form_id,
                int(base),
                int(trunk) if isinstance(trunk, int) else None,
                branch,
                held_at,
            )
        )
    return found


def held_elsewhere(connection: Connection, entity_list: EntityListRecord) -> int:
    """Held updates of entities the list does not have yet (their registration has not
    arrived): they show on no row."""
    backlog, e = s.entity_backlog, s.entities
    known = sa.select(e.c.id).where(
        e.c.list_id == entity_list.id, e.c.uuid == backlog.c.entity_uuid
    )
    return int(
        connection.execute(
            sa.select(sa.func.count()).where(backlog.c.list_id == entity_list.id, ~sa.exists(known))
        ).scalar_one()
    )


def readable_properties(
    entity_list: EntityListRecord, hidden: Sequence[str] | frozenset[str]
) -> tuple[str, ...]:
    return tuple(p for p in entity_list.properties if p not in hidden)
