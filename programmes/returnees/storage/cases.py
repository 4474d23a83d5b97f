"""The lists of cases to pick from (a returnee's history is the core's entity_events)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.entities.listing import SEPARATOR
from storage.entities.queries import property_text
from storage.schema import system as s
from storage.text_search import contains_folded


@dataclass(frozen=True, slots=True)
class CaseSearch:
    """What the case list asks: `text` searched in the properties the viewer may read
    (`readable`, the only ones, so a match tells nothing of a hidden value), in the label only
    when `label` (it is built from names), in the entity's uuid, and as a choice label:
    `choices` maps a property to the choice names whose labels contain the text."""

    text: str = ""
    readable: tuple[str, ...] = ()
    label: bool = False
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    conflicts_only: bool = False
    # The property the list is ordered by (one the viewer may read) and whether newest /
    # highest first; cases without it come last, then the newest received first.
    order_by: str | None = None
    descending: bool = True


@dataclass(frozen=True, slots=True)
class CaseRow:
    uuid: str
    label: str
    data: dict[str, str]  # every property: the page keeps to those the viewer may read
    version: int
    conflict: str | None
    created_at: datetime  # when the server made the entity


def _conditions(
    connection: Connection, list_id: int, search: CaseSearch
) -> list[sa.ColumnElement[bool]]:
    e = s.entities
    found: list[sa.ColumnElement[bool]] = [e.c.list_id == list_id, e.c.deleted_at.is_(None)]
    text = search.text.strip()
    if text:
        columns: list[Any] = [property_text(connection, name) for name in search.readable]
        if search.label:
            columns.append(e.c.label)
        # One string per entity, folded once (as storage/entities/listing.py does); the
        # separator keeps a match from spanning two values.
        joined: Any = sa.literal("", sa.Text)
        for column in columns:
            joined = joined + sa.func.coalesce(sa.cast(column, sa.Text), "") + SEPARATOR
        either = [contains_folded(joined, text), e.c.uuid == text]  # "Traore" finds "Traoré"
        either += [
            property_text(connection, name).in_(names)
            for name, names in search.choices.items()
            if name in search.readable
        ]
        found.append(sa.or_(*either))
    if search.conflicts_only:
        found.append(e.c.conflict.is_not(None))
    return found


def find_cases(
    connection: Connection,
    list_id: int,
    search: CaseSearch,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CaseRow], int]:
    """The list's live entities matching `search`, in its order, and how many there are."""
    e = s.entities
    conditions = _conditions(connection, list_id, search)
    order: list[Any] = []
    if search.order_by is not None:
        value = property_text(connection, search.order_by)
        missing = sa.case((sa.func.coalesce(value, "") == "", 1), else_=0)
        order = [missing, value.desc() if search.descending else value.asc()]
    rows = connection.execute(
        sa.select(e.c.uuid, e.c.label, e.c.data, e.c.version, e.c.conflict, e.c.created_at)
        .where(*conditions)
        .order_by(*order, e.c.created_at.desc(), e.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = connection.execute(sa.select(sa.func.count()).where(*conditions)).scalar_one()
    return [CaseRow(r[0], r[1], dict(r[2] or {}), r[3], r[4], r[5]) for r in rows], int(total)
