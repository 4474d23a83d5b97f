"""ODK Entities in the database: lists per project, entities with every version, updates from
submissions applied in arrival order with stale ones flagged as conflicts for a person to
resolve, never dropped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage import schema as s
from storage.entity_lists import EntityListRecord
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
    found = find_entity(connection, list_id, uuid)
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


def stream_entities(connection: Connection, list_id: int) -> Iterator[EntityRecord]:
    """Every live entity of the list, in list_entities' order, read in batches: writing a list
    out as CSV takes the memory of a batch, not of the list."""
    result = connection.execution_options(stream_results=True, yield_per=2000).execute(
        sa.select(s.entities)
        .where(s.entities.c.list_id == list_id, s.entities.c.deleted_at.is_(None))
        .order_by(s.entities.c.created_at, s.entities.c.id)
    )
    for row in result.mappings():
        yield _entity(row)


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
    if find_entity(connection, entity_list.id, uuid) is not None:
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
    trunk_version: int | None = None,
) -> EntityRecord:
    """A new version with `data` merged in. Based on an older version than the current one:
    refused (409) for the API unless `stale_allowed` (submissions: devices work offline), in
    which case it is applied and the entity is flagged: a hard conflict when the properties it
    sets were changed since its base version, a soft one otherwise. Based on a version the
    entity does not have yet: refused (404), never applied as if it were current."""
    current = find_entity(connection, entity_list.id, uuid, lock=True)
    if current is None or current.deleted_at is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {uuid}")
    # Central holds such an update back while it is part of an offline branch whose earlier
    # updates have not arrived (lib/model/query/entities.js, _computeBaseVersion), and refuses
    # it otherwise (404.9). Baobab keeps no backlog: it refuses, and the submission keeps the
    # change for a person to apply (its entity.error names the versions).
    for name, given in (("baseVersion", base_version), ("trunkVersion", trunk_version)):
        if given is not None and given > current.version:
            raise NotFound(
                StorageCode.ENTITY_VERSION_NOT_FOUND,
                field=name,
                given=given,
                uuid=uuid,
                current=current.version,
            )
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


def find_entity(
    connection: Connection, list_id: int, uuid: str, *, lock: bool = False
) -> EntityRecord | None:
    """The entity, deleted or not. `lock`: hold the row until the transaction ends, so that two
    updates of one entity arriving together take turns and number their versions in turn."""
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
