"""Entity lists (ODK datasets) per project: created when a form that declares one is
published, their properties the union of every form's save_to; their settings as Central has
them (approvalRequired, ownerOnly, the property access filter); and the hash of the list that
ODK Collect downloads as a form attachment (server/exports/entity_csv.py), which changes whenever it
does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ColumnElement

from storage.errors import NotFound, StorageCode
from storage.schema import system as s

# The property that names a case without naming the person: what roles that may not read
# sensitive properties see instead of a label (labels are built from names).
CASE_NUMBER = "case_number"


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One rule of a list's access filter (Central 2026.2): an actor gets the entities whose
    `dataset_property` equals the actor's value of `actor_property`."""

    dataset_property: str
    actor_property: str


@dataclass(frozen=True, slots=True)
class EntityListRecord:
    id: int
    project_id: int
    name: str
    properties: tuple[str, ...]
    sensitive: frozenset[str]  # properties saved from fields marked sensitive in some form
    created_at: datetime
    approval_required: bool = False  # registrations wait for a reviewer's approval
    owner_only: bool = False  # devices get only the entities their actor created
    rules: tuple[AccessRule, ...] = ()  # devices get the entities any rule matches


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


# A trashed project's lists are in the trash with it (storage/lifecycle/trash.py).
_TRASHED_PROJECTS = sa.select(s.projects.c.id).where(s.projects.c.deleted_at.is_not(None))


def find_list(connection: Connection, project_id: int, name: str) -> EntityListRecord | None:
    row = (
        connection.execute(
            sa.select(s.entity_lists).where(
                s.entity_lists.c.project_id == project_id,
                s.entity_lists.c.name == name,
                s.entity_lists.c.project_id.not_in(_TRASHED_PROJECTS),
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
        .where(
            s.entity_lists.c.project_id == project_id,
            s.entity_lists.c.project_id.not_in(_TRASHED_PROJECTS),
        )
        .order_by(s.entity_lists.c.name)
    ).mappings()
    return [_list(r) for r in rows]


def update_settings(
    connection: Connection,
    entity_list: EntityListRecord,
    *,
    approval_required: bool,
    owner_only: bool,
    rules: tuple[AccessRule, ...],
) -> EntityListRecord:
    """Central's dataset settings; ownerOnly and property rules exclude each other (the
    caller checks), so the access filter column holds only rules."""
    connection.execute(
        sa.update(s.entity_lists)
        .where(s.entity_lists.c.id == entity_list.id)
        .values(
            approval_required=approval_required,
            owner_only=owner_only,
            access_filter=_filter_json(rules),
        )
    )
    return get_list(connection, entity_list.project_id, entity_list.name)


def list_state(
    connection: Connection,
    entity_list: EntityListRecord,
    *,
    where: ColumnElement[bool] | None = None,
    salt: str = "",
) -> str:
    """A hash that changes whenever the list does (an entity created, updated, deleted or
    restored, a property added): the manifest's hash for the list's CSV, so devices fetch it
    again. `where` narrows it to the entities a device gets, `salt` says whose subset it is
    (storage/entities/queries.py): one subset's hash is never another's."""
    table = s.entities
    condition = table.c.list_id == entity_list.id
    if where is not None:
        condition = sa.and_(condition, where)
    count, members, latest, updated, deleted = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(table.c.id),  # which entities, not only how many
            sa.func.max(table.c.version + table.c.id * 1_000_000),
            sa.func.max(sa.func.coalesce(table.c.updated_at, table.c.created_at)),
            sa.func.count(table.c.deleted_at),
        ).where(condition)
    ).one()
    state = (
        f"{entity_list.id}:{count}:{members}:{latest}:{updated}:{deleted}:"
        f"{','.join(entity_list.properties)}:{salt}"
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
        bool(row["approval_required"]),
        bool(row["owner_only"]),
        _rules(row["access_filter"]),
    )


def _filter_json(rules: tuple[AccessRule, ...]) -> dict[str, object] | None:
    if not rules:
        return None
    return {
        "type": "property",
        "rules": [
            {"datasetProperty": r.dataset_property, "actorProperty": r.actor_property}
            for r in rules
        ],
    }


def _rules(stored: object) -> tuple[AccessRule, ...]:
    if not isinstance(stored, dict) or not isinstance(stored.get("rules"), list):
        return ()
    return tuple(
        AccessRule(str(r["datasetProperty"]), str(r["actorProperty"]))
        for r in stored["rules"]
        if isinstance(r, dict)
    )
