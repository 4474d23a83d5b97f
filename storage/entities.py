"""ODK Entities in the database: lists per project, entities with every version, updates from
submissions applied in arrival order with stale ones flagged as conflicts for a person to
resolve, never dropped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from converters.entities import EntityAction
from storage import schema as s
from storage.audit import record
from storage.entity_lists import EntityListRecord, find_list
from storage.errors import Conflict, InvalidData, NotFound, StorageCode

LABEL = "label"  # how a label change is named among the received properties


@dataclass(frozen=True, slots=True)
class EntityRecord:
    id: int
    list_id: int
    uuid: str
    label: str
    data: dict[str, str]
    version: int
    conflict: str | None
    creator_id: int | None
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class EntityVersionRecord:
    version: int
    base_version: int | None
    label: str
    data: dict[str, str]
    received: dict[str, str]
    conflicting_properties: list[str] | None
    conflict: str | None
    submission_version_id: int | None
    creator_id: int | None
    created_at: datetime


def get_entity(connection: Connection, list_id: int, uuid: str) -> EntityRecord:
    found = _find_entity(connection, list_id, uuid)
    if found is None or found.deleted_at is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {uuid}")
    return found


def list_entities(
    connection: Connection, list_id: int, *, limit: int | None = None, offset: int = 0
) -> list[EntityRecord]:
    query = (
        sa.select(s.entities)
        .where(s.entities.c.list_id == list_id, s.entities.c.deleted_at.is_(None))
        .order_by(s.entities.c.created_at, s.entities.c.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_entity(r) for r in connection.execute(query).mappings()]


def entity_versions(connection: Connection, entity_id: int) -> list[EntityVersionRecord]:
    v = s.entity_versions
    rows = connection.execute(
        sa.select(
            v.c.version,
            v.c.base_version,
            v.c.label,
            v.c.data,
            v.c.received,
            v.c.conflicting_properties,
            v.c.conflict,
            v.c.submission_version_id,
            v.c.creator_id,
            v.c.created_at,
        )
        .where(v.c.entity_id == entity_id)
        .order_by(v.c.version)
    )
    return [EntityVersionRecord(**r) for r in rows.mappings()]


def create_entity(
    connection: Connection,
    entity_list: EntityListRecord,
    *,
    uuid: str,
    label: str,
    data: Mapping[str, str],
    creator_id: int | None,
    now: datetime,
    submission_version_id: int | None = None,
) -> EntityRecord:
    if _find_entity(connection, entity_list.id, uuid) is not None:
        raise Conflict(StorageCode.ALREADY_EXISTS, what="entity", key=f"uuid {uuid}")
    values = _known(entity_list, data)
    entity_id = connection.execute(
        sa.insert(s.entities)
        .values(
            list_id=entity_list.id,
            uuid=uuid,
            label=label,
            data=values,
            version=1,
            creator_id=creator_id,
            created_at=now,
        )
        .returning(s.entities.c.id)
    ).scalar_one()
    _add_version(
        connection,
        entity_id,
        1,
        None,
        label,
        values,
        {LABEL: label, **values},
        None,
        None,
        submission_version_id,
        creator_id,
        now,
    )
    return get_entity(connection, entity_list.id, uuid)


def update_entity(
    connection: Connection,
    entity_list: EntityListRecord,
    uuid: str,
    *,
    label: str | None,
    data: Mapping[str, str],
    base_version: int | None,
    creator_id: int | None,
    now: datetime,
    submission_version_id: int | None = None,
    stale_allowed: bool = False,
) -> EntityRecord:
    """A new version with `data` merged in. Based on an older version than the current one:
    refused (409) for the API unless `stale_allowed` (submissions: devices work offline), in
    which case it is applied and the entity is flagged: a hard conflict when the properties it
    sets were changed since its base version, a soft one otherwise."""
    current = _find_entity(connection, entity_list.id, uuid, lock=True)
    if current is None or current.deleted_at is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {uuid}")
    stale = base_version is not None and base_version < current.version
    if stale and not stale_allowed:
        raise Conflict(
            StorageCode.ENTITY_STALE, uuid=uuid, current=current.version, given=base_version
        )
    received: dict[str, str] = dict(_known(entity_list, data))
    if label is not None:
        received[LABEL] = label
    conflict, overlapping = None, None
    if stale:
        assert base_version is not None
        since = set()
        for version in entity_versions(connection, current.id):
            if version.version > base_version:
                since |= set(version.received)
        overlapping = sorted(since & set(received))
        conflict = "hard" if overlapping else "soft"
    merged = {**current.data, **{k: v for k, v in received.items() if k != LABEL}}
    new_label = label if label is not None else current.label
    flag = _worse(current.conflict, conflict)
    connection.execute(
        sa.update(s.entities)
        .where(s.entities.c.id == current.id)
        .values(
            label=new_label, data=merged, version=current.version + 1, conflict=flag, updated_at=now
        )
    )
    _add_version(
        connection,
        current.id,
        current.version + 1,
        base_version,
        new_label,
        merged,
        received,
        overlapping,
        conflict,
        submission_version_id,
        creator_id,
        now,
    )
    return get_entity(connection, entity_list.id, uuid)


def resolve_conflict(
    connection: Connection, entity_list: EntityListRecord, uuid: str, now: datetime
) -> EntityRecord:
    current = get_entity(connection, entity_list.id, uuid)
    connection.execute(
        sa.update(s.entities)
        .where(s.entities.c.id == current.id)
        .values(conflict=None, updated_at=now)
    )
    return get_entity(connection, entity_list.id, uuid)


def delete_entity(
    connection: Connection, entity_list: EntityListRecord, uuid: str, now: datetime
) -> None:
    current = get_entity(connection, entity_list.id, uuid)
    connection.execute(
        sa.update(s.entities).where(s.entities.c.id == current.id).values(deleted_at=now)
    )


def apply_actions(
    connection: Connection,
    project_id: int,
    actions: Sequence[EntityAction],
    *,
    submission_version_id: int,
    creator_id: int | None,
    now: datetime,
) -> list[str]:
    """What a submission does to entities, in its transaction. Each action is written to the
    audit log with its outcome (created, updated, conflict, or why it could not be applied);
    the submission is kept whatever the outcome."""
    outcomes = []
    for action in actions:
        outcome = _apply(connection, project_id, action, submission_version_id, creator_id, now)
        record(
            connection,
            actor_id=creator_id,
            action="entity.error" if outcome.startswith("not applied") else f"entity.{outcome}",
            actee_type="entity",
            actee_id=action.uuid,
            now=now,
            details={
                "list": action.dataset,
                "outcome": outcome,
                "submissionVersion": submission_version_id,
            },
        )
        outcomes.append(outcome)
    return outcomes


def _apply(
    connection: Connection,
    project_id: int,
    action: EntityAction,
    submission_version_id: int,
    creator_id: int | None,
    now: datetime,
) -> str:
    entity_list = find_list(connection, project_id, action.dataset)
    if entity_list is None:
        return f"not applied: no entity list '{action.dataset}' in this project"
    existing = _find_entity(connection, entity_list.id, action.uuid)
    if action.create and existing is None:
        create_entity(
            connection,
            entity_list,
            uuid=action.uuid,
            label=action.label or action.uuid,
            data=action.properties,
            creator_id=creator_id,
            now=now,
            submission_version_id=submission_version_id,
        )
        return "create"
    if action.update and existing is not None and existing.deleted_at is None:
        updated = update_entity(
            connection,
            entity_list,
            action.uuid,
            label=action.label,
            data=action.properties,
            base_version=action.base_version,
            creator_id=creator_id,
            now=now,
            submission_version_id=submission_version_id,
            stale_allowed=True,
        )
        stale = action.base_version is not None and action.base_version < existing.version
        return f"update.conflict.{updated.conflict}" if stale else "update"
    if action.create:
        return f"not applied: the entity {action.uuid} exists already"
    return f"not applied: no entity {action.uuid} to update"


def _known(entity_list: EntityListRecord, data: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(data) - set(entity_list.properties))
    if unknown:
        raise InvalidData(
            StorageCode.INVALID_NAME,
            name=", ".join(unknown),
            reason=f"the list '{entity_list.name}' has no such property",
        )
    return {k: ("" if v is None else str(v)) for k, v in data.items()}


def _worse(current: str | None, new: str | None) -> str | None:
    order = {None: 0, "soft": 1, "hard": 2}
    return current if order[current] >= order[new] else new


def _add_version(
    connection: Connection,
    entity_id: int,
    version: int,
    base_version: int | None,
    label: str,
    data: Mapping[str, str],
    received: Mapping[str, str],
    conflicting: list[str] | None,
    conflict: str | None,
    submission_version_id: int | None,
    creator_id: int | None,
    now: datetime,
) -> None:
    connection.execute(
        sa.insert(s.entity_versions).values(
            entity_id=entity_id,
            version=version,
            base_version=base_version,
            label=label,
            data=dict(data),
            received=dict(received),
            conflicting_properties=conflicting,
            conflict=conflict,
            submission_version_id=submission_version_id,
            creator_id=creator_id,
            created_at=now,
        )
    )


def _find_entity(
    connection: Connection, list_id: int, uuid: str, *, lock: bool = False
) -> EntityRecord | None:
    """`lock`: hold the row until the transaction ends, so that two updates of one entity
    arriving together take turns and number their versions one after the other."""
    query = sa.select(s.entities).where(s.entities.c.list_id == list_id, s.entities.c.uuid == uuid)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    return _entity(row) if row else None


def _entity(row: RowMapping | Any) -> EntityRecord:
    return EntityRecord(
        id=row["id"],
        list_id=row["list_id"],
        uuid=row["uuid"],
        label=row["label"],
        data=dict(row["data"] or {}),
        version=row["version"],
        conflict=row["conflict"],
        creator_id=row["creator_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


def count_entities(connection: Connection, list_id: int) -> int:
    return int(
        connection.execute(
            sa.select(sa.func.count()).where(
                s.entities.c.list_id == list_id, s.entities.c.deleted_at.is_(None)
            )
        ).scalar_one()
    )
