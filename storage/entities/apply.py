"""One entity action of a submission applied as ODK Central applies it (lib/model/query/
entities.js, _processEntityData and what it calls). An update finds the version it was made on:
online, its baseVersion; in an offline branch (entities-version 2024.1.0), the trunk version the
branch started from, then the branch's own previous update. While that version has not arrived
the update is held in the backlog, neither applied nor flagged. A version is flagged as a
conflict only when something else changed the entity since its base (soft; hard when it sets a
property changed meanwhile to another value), and a conflict stays until a person resolves it.
Each version applied releases the held update that follows it, applied in the same
transaction; updates held too long are forced (storage/entities/actions.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from converters.entities import EntityAction
from storage.db import is_postgres
from storage.entities.audits import (
    Backlog,
    Origin,
    Refusal,
    origin_of,
    record_backlog,
    record_error,
    record_version,
)
from storage.entities.backlog import hold, is_held, take_next
from storage.entities.bases import base_of, conflict_of, worse
from storage.entities.lists import EntityListRecord
from storage.entities.records import (
    LABEL,
    Branch,
    EntityRecord,
    NewVersion,
    create_entity,
    find_entity,
    get_entity,
    known_data,
    write_version,
)
from storage.errors import Conflict, InvalidData, NotFound, StorageCode, StorageError
from storage.schema import system as s

# What can refuse an action without costing the submission: a domain error, or the database
# refusing a value (two creates of one id racing on PostgreSQL).
REFUSALS = (NotFound, Conflict, InvalidData, IntegrityError, DataError)
AUTO_LABEL = "auto generated"  # Central's label for an update forced into a create


class Event(Enum):
    """Why an action is processed now (Central's audit event that triggers it)."""

    RECEIVED = "submission.create"
    EDITED = "submission.update.version"
    REPROCESS = "submission.backlog.reprocess"  # released: the update before it arrived
    FORCE = "submission.backlog.force"  # held too long: applied on the latest version
    REVIEW = "submission.update"  # approved, converted, or a hold on a registration released


class Outcome(StrEnum):
    CREATED = "create"
    UPDATED = "update"
    HELD = "held"  # in the backlog, waiting for its base
    PENDING = "pending"  # a registration waiting for approval or a decision
    DONE = "done before"  # this submission already made its version of the entity


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    entity: EntityRecord | None = None  # after the version was made
    conflict: str | None = None  # what the version brought


class _EntityMissing(NotFound):
    """The entity to update does not exist (Central 404.8): a create may follow."""


class _Exists(Conflict):
    """The entity to create exists (Central 409.3): forced earlier, the create may update it."""


def refusal_of(error: Exception) -> Refusal:
    if isinstance(error, StorageError):
        return Refusal(error.code.name, error.message, error.context)
    assert isinstance(error, IntegrityError | DataError)
    reason = f"the database refused it ({type(error.orig).__name__})"
    return Refusal("DATABASE", reason, {"reason": reason})


def apply_action(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    origin: Origin,
    event: Event,
    now: datetime,
    *,
    held_by: str | None = None,
) -> Result:
    """Apply the action (Central: update first when asked, a create after a missing entity
    when the submission also creates, or when forced). Raises one of REFUSALS when it cannot;
    the caller runs it in a savepoint and audits the refusal."""
    _lock(connection, entity_list.id, action.uuid)
    if _made_before(connection, entity_list.id, action.uuid, origin.submission_id):
        return Result(Outcome.DONE)
    if event is Event.EDITED and is_held(
        connection, origin.submission_id, entity_list.id, action.uuid
    ):
        return Result(Outcome.HELD)
    force = event is Event.FORCE
    if action.update and action.base_version is not None:
        try:
            return _update(connection, entity_list, action, origin, event, now)
        except _EntityMissing:
            # Forced, an update creates its entity, except where only an approval creates
            # (Central drops it without a word there; here it is an entity.error).
            if not (action.create or (force and not entity_list.approval_required)):
                raise
    elif not action.create:  # an update without a baseVersion (converters/entities.py refuses)
        raise NotFound(StorageCode.NOT_FOUND, what=f"the version of {action.uuid} to update")
    try:
        return _create(connection, entity_list, action, origin, event, now, held_by)
    except _Exists:
        root = connection.execute(
            sa.select(s.entity_versions.c.source)
            .join(s.entities, s.entities.c.id == s.entity_versions.c.entity_id)
            .where(
                s.entities.c.list_id == entity_list.id,
                s.entities.c.uuid == action.uuid,
                s.entity_versions.c.version == 1,
            )
        ).scalar()
        if not (isinstance(root, dict) and root.get("forceProcessed")):
            raise
        # Central: the entity was made by forcing an update that came before this create, so
        # the create is applied as an update of it (createSubAsUpdate).
        return _update(connection, entity_list, action, origin, event, now, create_as_update=True)


def release_after(
    connection: Connection, entity_list: EntityListRecord, entity: EntityRecord, now: datetime
) -> int:
    """Apply, in turn, the held updates that follow the version just made: each one released
    makes the version the next one waits for. How many were applied."""
    applied = 0
    while True:
        held = take_next(
            connection, entity_list.id, entity.uuid, entity.branch_id, entity.branch_base_version
        )
        if held is None:
            return applied
        origin = origin_of(connection, held.submission_version_id)
        record_backlog(connection, Backlog.REPROCESS, origin, held.entity_uuid, now)
        result = apply_or_refuse(
            connection, entity_list, held.action, held.entity_uuid, origin, Event.REPROCESS, now
        )
        if result is None or result.entity is None:
            return applied
        applied += 1
        entity = result.entity


def apply_or_refuse(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    entity_uuid: str,
    origin: Origin,
    event: Event,
    now: datetime,
) -> Result | None:
    """apply_action in a savepoint, its version audited; None when refused, the refusal
    audited against the submission instead."""
    try:
        with connection.begin_nested():
            result = apply_action(connection, entity_list, action, origin, event, now)
    except REFUSALS as error:
        record_error(
            connection,
            origin,
            refusal_of(error),
            entity={"uuid": entity_uuid, "dataset": entity_list.name},
            now=now,
        )
        return None
    audit_result(connection, origin, entity_list, result, now)
    return result


def audit_result(
    connection: Connection,
    origin: Origin,
    entity_list: EntityListRecord,
    result: Result,
    now: datetime,
) -> None:
    if result.entity is None:
        return
    record_version(
        connection,
        origin,
        action="entity.create" if result.outcome is Outcome.CREATED else "entity.update.version",
        entity_uuid=result.entity.uuid,
        dataset=entity_list.name,
        entity_id=result.entity.id,
        version=result.entity.version,
        conflict=result.conflict,
        now=now,
    )


def _create(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    origin: Origin,
    event: Event,
    now: datetime,
    held_by: str | None,
) -> Result:
    # Central (_createEntity): with approvalRequired, only the approval creates.
    if held_by is not None or (entity_list.approval_required and event is not Event.REVIEW):
        return Result(Outcome.PENDING)
    existing = find_entity(connection, entity_list.id, action.uuid)
    if existing is not None and existing.deleted_at is not None:
        raise Conflict(StorageCode.ENTITY_ID_DELETED, uuid=action.uuid, list=entity_list.name)
    if existing is not None:
        raise _Exists(StorageCode.ENTITY_EXISTS, uuid=action.uuid, list=entity_list.name)
    force = event is Event.FORCE
    created = create_entity(
        connection,
        entity_list,
        uuid=action.uuid,
        label=action.label or (AUTO_LABEL if force else action.uuid),
        data=action.properties,
        creator_id=origin.creator_id,
        now=now,
        submission_version_id=origin.submission_version_id,
        source=_source(origin, event),
        branch=Branch(branch_id=action.branch_id),
    )
    return Result(Outcome.CREATED, created)


def _update(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    origin: Origin,
    event: Event,
    now: datetime,
    *,
    create_as_update: bool = False,
) -> Result:
    force = event is Event.FORCE
    entity = find_entity(connection, entity_list.id, action.uuid, lock=True)
    if entity is None:
        if action.branch_id is not None and not force and not create_as_update:
            return _hold(connection, entity_list, action, origin, now)  # before its create
        raise _EntityMissing(StorageCode.NOT_FOUND, what=f"the entity {action.uuid} to update")
    if entity.deleted_at is not None:
        raise NotFound(StorageCode.ENTITY_DELETED, uuid=action.uuid, list=entity_list.name)
    base = base_of(connection, entity, action, force=force, create_as_update=create_as_update)
    if base is None:
        return _hold(connection, entity_list, action, origin, now)
    if action.trunk_version is not None and action.trunk_version > entity.version:
        raise NotFound(
            StorageCode.ENTITY_VERSION_NOT_FOUND,
            field="trunkVersion",
            given=action.trunk_version,
            uuid=action.uuid,
            current=entity.version,
        )
    received: dict[str, str] = known_data(entity_list, action.properties)
    if action.label is not None:
        received[LABEL] = action.label
    conflict, conflicting = conflict_of(
        connection, entity, base, action, received, create_as_update=create_as_update
    )
    branch = Branch(
        branch_id=action.branch_id,
        trunk_version=action.trunk_version,
        branch_base_version=action.base_version if action.branch_id is not None else None,
    )
    write_version(
        connection,
        entity,
        NewVersion(
            entity_id=entity.id,
            version=entity.version + 1,
            base_version=base.version,
            label=action.label if action.label is not None else entity.label,
            data={**entity.data, **{k: v for k, v in received.items() if k != LABEL}},
            received=received,
            submission_version_id=origin.submission_version_id,
            creator_id=origin.creator_id,
            conflicting=conflicting,
            conflict=conflict,
            branch=branch,
            source=_source(origin, event, as_create=create_as_update),
        ),
        worse(entity.conflict, conflict),
        now,
    )
    return Result(Outcome.UPDATED, get_entity(connection, entity_list.id, action.uuid), conflict)


def _hold(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    origin: Origin,
    now: datetime,
) -> Result:
    hold(
        connection,
        entity_list.id,
        action,
        submission_id=origin.submission_id,
        submission_version_id=origin.submission_version_id,
        now=now,
    )
    record_backlog(connection, Backlog.HOLD, origin, action.uuid, now)
    return Result(Outcome.HELD)


def _made_before(connection: Connection, list_id: int, uuid: str, submission_id: int) -> bool:
    """Whether some version of this submission already made a version of the entity (Central's
    getDefBySubmissionId, per entity: a submission's other entities may still be held)."""
    v, e, sv = s.entity_versions, s.entities, s.submission_versions
    found = connection.execute(
        sa.select(v.c.id)
        .join(e, e.c.id == v.c.entity_id)
        .join(sv, sv.c.id == v.c.submission_version_id)
        .where(e.c.list_id == list_id, e.c.uuid == uuid, sv.c.submission_id == submission_id)
        .limit(1)
    ).first()
    return found is not None


def _lock(connection: Connection, list_id: int, uuid: str) -> None:
    """Hold the entity, existing or not, until the transaction ends (Central's _lockEntity): two
    updates of one entity, or an update and the one it waits for, take turns, and each sees the
    other's version. SQLite writers take turns already (BEGIN IMMEDIATE)."""
    if is_postgres(connection):
        digest = hashlib.blake2b(f"{list_id}:{uuid}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _source(origin: Origin, event: Event, *, as_create: bool = False) -> dict[str, object]:
    """Where the version came from (Central's entity_def_sources details)."""
    source: dict[str, object] = {
        "type": "submission",
        "submission": {
            "instanceId": origin.instance_id,
            "submissionId": origin.submission_id,
            "submissionDefId": origin.submission_version_id,
        },
        "event": event.value,
    }
    if event is Event.FORCE:
        source["forceProcessed"] = True
    if as_create:
        source["action"] = "create"
    return source
