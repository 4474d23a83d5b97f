"""Entity lists (ODK datasets) per project: created when a form that declares one is
published, their properties the union of every form's save_to; and the hash of the list that
ODK Collect downloads as a form attachment (server/entity_csv.py), which changes whenever it
does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage import schema as s
from storage.errors import NotFound, StorageCode

# The property that names a case without naming the person: what roles that may not read
# sensitive properties see instead of a label (labels are built from names).
CASE_NUMBER = "case_number"


@dataclass(frozen=True, slots=True)
class EntityListRecord:
    id: int
    project_id: int
    name: str
    properties: tuple[str, ...]
    sensitive: frozenset[str]  # properties saved from fields marked sensitive in some form
    created_at: datetime


def ensure_list(
    connection: Connection,
    project_id: int,
    name: str,
    properties: Iterable[str],
    now: datetime,
    sensitive: Iterable[str] = (),
) -> EntityListRecord:
    """The project's list `name`, created when new; properties (and which are sensitive) are
    added, never removed."""
    found = find_list(connection, project_id, name)
    wanted = list(dict.fromkeys(properties))
    secret = set(sensitive)
    if found is None:
        connection.execute(
            sa.insert(s.entity_lists).values(
                project_id=project_id,
                name=name,
                properties=wanted,
                sensitive=sorted(secret),
                created_at=now,
            )
        )
    else:
        merged = list(found.properties) + [p for p in wanted if p not in found.properties]
        hidden = found.sensitive | secret
        if len(merged) == len(found.properties) and hidden == found.sensitive:
            return found
        connection.execute(
            sa.update(s.entity_lists)
            .where(s.entity_lists.c.id == found.id)
            .values(properties=merged, sensitive=sorted(hidden))
        )
    result = find_list(connection, project_id, name)
    assert result is not None
    return result


def find_list(connection: Connection, project_id: int, name: str) -> EntityListRecord | None:
    row = (
        connection.execute(
            sa.select(s.entity_lists).where(
                s.entity_lists.c.project_id == project_id, s.entity_lists.c.name == name
            )
        )
        .mappings()
        .first()
    )
    return _list(row) if row else None


def get_list(connection: Connection, project_id: int, name: str) -> EntityListRecord:
    found = find_list(connection, project_id, name)
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity list '{name}'")
    return found


def list_lists(connection: Connection, project_id: int) -> list[EntityListRecord]:
    rows = connection.execute(
        sa.select(s.entity_lists)
        .where(s.entity_lists.c.project_id == project_id)
        .order_by(s.entity_lists.c.name)
    ).mappings()
    return [_list(r) for r in rows]


def list_state(connection: Connection, entity_list: EntityListRecord) -> str:
    """A hash that changes whenever the list does (an entity created, updated or deleted, a
    property added): the manifest's hash for the list's CSV, so devices fetch it again."""
    count, latest, updated = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(s.entities.c.version + s.entities.c.id * 1_000_000),
            sa.func.max(sa.func.coalesce(s.entities.c.updated_at, s.entities.c.created_at)),
        ).where(s.entities.c.list_id == entity_list.id)
    ).one()
    deleted = connection.execute(
        sa.select(sa.func.count()).where(
            s.entities.c.list_id == entity_list.id, s.entities.c.deleted_at.is_not(None)
        )
    ).scalar_one()
    state = (
        f"{entity_list.id}:{count}:{latest}:{updated}:{deleted}:{','.join(entity_list.properties)}"
    )
    return hashlib.md5(state.encode(), usedforsecurity=False).hexdigest()


def _list(row: RowMapping) -> EntityListRecord:
    return EntityListRecord(
        row["id"],
        row["project_id"],
        row["name"],
        tuple(row["properties"] or ()),
        frozenset(row["sensitive"] or ()),
        row["created_at"],
    )
