"""ODK Entities in the database: entities with every version (what it set, what it was based
on, which offline branch it came from), as ODK Central keeps them. How submissions create and
update them is storage/entities/apply.py; here are the records, the reads and the writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage.entities.lists import EntityListRecord
from storage.errors import Conflict, InvalidData, NotFound, StorageCode
from storage.schema import system as s

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
    # Of the current version (Central's currentVersion): the version it was applied on, and
    # the offline branch it came from.
    base_version: int | None = None
    branch_id: str | None = None
    trunk_version: int | None = None
    branch_base_version: int | None = None
    resolved_version: int | None = None  # current when its conflict was last resolved


@dataclass(frozen=True, slots=True)
class EntityVersionRecord:
    version: int
    base_version: int | None  # the server version it was applied on (Central's baseVersion)
    label: str
    data: dict[str, str]
    received: dict[str, str]
    conflicting_properties: list[str] | None
    conflict: str | None  # what this version itself brought: soft, hard or None
    submission_version_id: int | None
    creator_id: int | None
    created_at: datetime
    branch_id: str | None = None
    trunk_version: int | None = None
    branch_base_version: int | None = None  # the device's own baseVersion in its branch
    source: dict[str, object] | None = None
    user_agent: str | None = None  # of the submission it came from


@dataclass(frozen=True, slots=True)
class Branch:
    """Where an offline update says it sits (entities-version 2024.1.0), as stored."""

    branch_id: str | None = None
    trunk_version: int | None = None
    branch_base_version: int | None = None


API = {"type": "api"}  # the source of what the REST API writes


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
    v, sv = s.entity_versions, s.submission_versions
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
            v.c.branch_id,
            v.c.trunk_version,
            v.c.branch_base_version,
            v.c.source,
            sv.c.user_agent,
        )
        .select_from(v.outerjoin(sv, sv.c.id == v.c.submission_version_id))
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
    source: Mapping[str, object] | None = None,
    branch: Branch | None = None,
) -> EntityRecord:
    if find_entity(connection, entity_list.id, uuid) is not None:
        raise Conflict(StorageCode.ALREADY_EXISTS, what="entity", key=f"uuid {uuid}")
    values = known_data(entity_list, data)
    where = branch or Branch()
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
            branch_id=where.branch_id,
            trunk_version=where.trunk_version,
            branch_base_version=where.branch_base_version,
        )
        .returning(s.entities.c.id)
    ).scalar_one()
    add_version(
        connection,
        NewVersion(
            entity_id=entity_id,
            version=1,
            base_version=None,
            label=label,
            data=values,
            received={LABEL: label, **values},
            submission_version_id=submission_version_id,
            creator_id=creator_id,
            branch=where,
            source=dict(source or API),
        ),
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
    source: Mapping[str, object] | None = None,
) -> EntityRecord:
    """A new version on top of the current one, with `data` merged in (the REST API's PATCH,
    whose route has checked `base_version` against the current version, or was forced; or an
    edit on the web, whose `source` says so). Its base is the version it replaced, as Central
    stores it; a conflict stays until resolved."""
    current = find_entity(connection, entity_list.id, uuid, lock=True)
    if current is None or current.deleted_at is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {uuid}")
    received: dict[str, str] = dict(known_data(entity_list, data))
    if label is not None:
        received[LABEL] = label
    write_version(
        connection,
        current,
        NewVersion(
            entity_id=current.id,
            version=current.version + 1,
            base_version=current.version,
            label=label if label is not None else current.label,
            data={**current.data, **{k: v for k, v in received.items() if k != LABEL}},
            received=received,
            submission_version_id=submission_version_id,
            creator_id=creator_id,
            source=dict(source or API),
        ),
        current.conflict,
        now,
    )
    return get_entity(connection, entity_list.id, uuid)


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version about to be written."""

    entity_id: int
    version: int
    base_version: int | None
    label: str
    data: Mapping[str, str]
    received: Mapping[str, str]
    submission_version_id: int | None
    creator_id: int | None
    conflicting: list[str] | None = None
    conflict: str | None = None  # what this version brings
    branch: Branch = Branch()
    source: dict[str, object] | None = None


def write_version(
    connection: Connection,
    current: EntityRecord,
    new: NewVersion,
    flag: str | None,
    now: datetime,
) -> None:
    """The version, and the entity made current with it (`flag`: its conflict from now on)."""
    connection.execute(
        sa.update(s.entities)
        .where(s.entities.c.id == current.id)
        .values(
            label=new.label,
            data=dict(new.data),
            version=new.version,
            conflict=flag,
            updated_at=now,
            base_version=new.base_version,
            branch_id=new.branch.branch_id,
            trunk_version=new.branch.trunk_version,
            branch_base_version=new.branch.branch_base_version,
        )
    )
    add_version(connection, new, now)


def resolve_conflict(
    connection: Connection, entity_list: EntityListRecord, uuid: str, now: datetime
) -> EntityRecord:
    current = get_entity(connection, entity_list.id, uuid)
    connection.execute(
        sa.update(s.entities)
        .where(s.entities.c.id == current.id)
        .values(conflict=None, updated_at=now, resolved_version=current.version)
    )
    return get_entity(connection, entity_list.id, uuid)


def delete_entity(
    connection: Connection, entity_list: EntityListRecord, uuid: str, now: datetime
) -> None:
    current = get_entity(connection, entity_list.id, uuid)
    connection.execute(
        sa.update(s.entities).where(s.entities.c.id == current.id).values(deleted_at=now)
    )


def known_data(entity_list: EntityListRecord, data: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(data) - set(entity_list.properties))
    if unknown:
        raise InvalidData(
            StorageCode.INVALID_NAME,
            name=", ".join(unknown),
            reason=f"the list '{entity_list.name}' has no such property",
        )
    return {k: ("" if v is None else str(v)) for k, v in data.items()}


def add_version(connection: Connection, new: NewVersion, now: datetime) -> None:
    connection.execute(
        sa.insert(s.entity_versions).values(
            entity_id=new.entity_id,
            version=new.version,
            base_version=new.base_version,
            label=new.label,
            data=dict(new.data),
            received=dict(new.received),
            conflicting_properties=new.conflicting,
            conflict=new.conflict,
            submission_version_id=new.submission_version_id,
            creator_id=new.creator_id,
            created_at=now,
            branch_id=new.branch.branch_id,
            trunk_version=new.branch.trunk_version,
            branch_base_version=new.branch.branch_base_version,
            source=new.source,
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
        base_version=row["base_version"],
        branch_id=row["branch_id"],
        trunk_version=row["trunk_version"],
        branch_base_version=row["branch_base_version"],
        resolved_version=row["resolved_version"],
    )


def count_entities(connection: Connection, list_id: int) -> int:
    return int(
        connection.execute(
            sa.select(sa.func.count()).where(
                s.entities.c.list_id == list_id, s.entities.c.deleted_at.is_(None)
            )
        ).scalar_one()
    )
