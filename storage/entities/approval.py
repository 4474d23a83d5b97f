"""Registrations that wait (Central's approvalRequired): a submission's create is kept pending
while its list requires approval, and applied when the submission is approved, or when the list
stops requiring approval with convert=true; updates apply on receipt all the same. A check may
also hold a registration for a person's decision (`held_by`: a likely duplicate): it is applied
once released, if approval does not hold it still."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.entities import EntityAction
from storage.entities.apply import Event, Outcome, apply_or_refuse, release_after
from storage.entities.audits import Origin, origin_of
from storage.entities.backlog import action_from_json, action_json
from storage.entities.lists import EntityListRecord, get_list
from storage.schema import system as s

# Central's pending submissions (lib/model/query/datasets.js, _unprocessedSubmissions): not yet
# reviewed, edited, or marked as having issues. A rejected one waits too, but is not counted.
PENDING_STATES = (None, "edited", "hasIssues")


@dataclass(frozen=True, slots=True)
class PendingRegistration:
    id: int
    list_id: int
    entity_uuid: str
    submission_id: int
    submission_version_id: int
    held_by: str | None
    action: EntityAction


def pending_registrations(connection: Connection, entity_list: EntityListRecord) -> int:
    """How many submissions wait to create entities in the list (Central's 400.29 count)."""
    pending, subs = s.entity_pending, s.submissions
    return int(
        connection.execute(
            sa.select(sa.func.count(sa.distinct(pending.c.submission_id)))
            .join(subs, subs.c.id == pending.c.submission_id)
            .where(pending.c.list_id == entity_list.id, _waiting(subs.c.review_state))
            .where(subs.c.deleted_at.is_(None))
        ).scalar_one()
    )


def create_pending(
    connection: Connection, entity_list: EntityListRecord, now: datetime, actor_id: int | None
) -> int:
    """convert=true: create the entities every pending submission of the list asks for, each
    in its own savepoint (what cannot apply is audited as entity.error); how many were created.
    Registrations a check holds for a decision keep waiting for it. As in Central, each entity
    is created by its submitter; `actor_id` (who converted) is the caller's to audit."""
    pending, subs = s.entity_pending, s.submissions
    rows = connection.execute(
        sa.select(pending)
        .join(subs, subs.c.id == pending.c.submission_id)
        .where(
            pending.c.list_id == entity_list.id,
            pending.c.held_by.is_(None),
            subs.c.deleted_at.is_(None),
            _waiting(subs.c.review_state),
        )
        .order_by(pending.c.id)
    ).mappings()
    waiting = [_pending(r) for r in rows]
    return sum(_apply(connection, entity_list, p, now) for p in waiting)


def approve_submission(
    connection: Connection, submission_id: int, now: datetime, actor_id: int | None = None
) -> int:
    """The submission was approved: create what it registers in lists that require approval
    (Central creates on approval only there); how many entities were created. Each is created
    by its submitter, as in Central; `actor_id` (the reviewer) audits the review."""
    created = 0
    for registration in _of_submission(connection, submission_id):
        if registration.held_by is not None:
            continue
        entity_list = _list_by_id(connection, registration.list_id)
        if entity_list.approval_required:
            created += _apply(connection, entity_list, registration, now)
    return created


def record_pending(
    connection: Connection,
    list_id: int,
    action: EntityAction,
    origin: Origin,
    held_by: str | None,
    now: datetime,
) -> None:
    """Keep a registration that did not apply: new, or its submission edited (the edit's XML
    is what an approval creates, as in Central)."""
    pending = s.entity_pending
    existing = connection.execute(
        sa.select(pending.c.id, pending.c.held_by).where(
            pending.c.submission_id == origin.submission_id,
            pending.c.list_id == list_id,
            pending.c.entity_uuid == action.uuid,
        )
    ).first()
    values = {
        "submission_version_id": origin.submission_version_id,
        "action": action_json(action),
    }
    if existing is not None:
        connection.execute(sa.update(pending).where(pending.c.id == existing[0]).values(values))
        return
    connection.execute(
        sa.insert(pending).values(
            list_id=list_id,
            entity_uuid=action.uuid,
            submission_id=origin.submission_id,
            held_by=held_by,
            created_at=now,
            **values,
        )
    )


def release_registration(
    connection: Connection,
    list_id: int,
    entity_uuid: str,
    submission_id: int,
    now: datetime,
    actor_id: int | None = None,
) -> bool:
    """A person lifted the hold on a registration (`actor_id`, who audits the decision): it is
    created now unless its list requires approval and the submission is not approved yet (the
    approval creates it then). Whether the entity was created."""
    pending = s.entity_pending
    condition = sa.and_(
        pending.c.list_id == list_id,
        pending.c.entity_uuid == entity_uuid,
        pending.c.submission_id == submission_id,
    )
    connection.execute(sa.update(pending).where(condition).values(held_by=None))
    found = connection.execute(sa.select(pending).where(condition)).mappings().first()
    if found is None:
        return False
    entity_list = _list_by_id(connection, list_id)
    state = connection.execute(
        sa.select(s.submissions.c.review_state).where(s.submissions.c.id == submission_id)
    ).scalar()
    if entity_list.approval_required and state != "approved":
        return False
    return _apply(connection, entity_list, _pending(found), now) > 0


def held_by(
    connection: Connection, submission_id: int, list_id: int, entity_uuid: str
) -> str | None:
    """What holds the submission's registration for a decision, if anything (an edit of the
    submission stays held as it was)."""
    pending = s.entity_pending
    return connection.execute(
        sa.select(pending.c.held_by).where(
            pending.c.submission_id == submission_id,
            pending.c.list_id == list_id,
            pending.c.entity_uuid == entity_uuid,
        )
    ).scalar()


def _apply(
    connection: Connection,
    entity_list: EntityListRecord,
    registration: PendingRegistration,
    now: datetime,
) -> int:
    """The pending create applied (1) or refused and audited (0); either way it stops
    pending. The held updates that waited for it follow."""
    connection.execute(sa.delete(s.entity_pending).where(s.entity_pending.c.id == registration.id))
    origin = origin_of(connection, registration.submission_version_id)
    result = apply_or_refuse(
        connection,
        entity_list,
        registration.action,
        registration.entity_uuid,
        origin,
        Event.REVIEW,
        now,
    )
    if result is None or result.entity is None:
        return 0
    release_after(connection, entity_list, result.entity, now)
    return 1 if result.outcome is Outcome.CREATED else 0


def _of_submission(connection: Connection, submission_id: int) -> Sequence[PendingRegistration]:
    pending = s.entity_pending
    rows = connection.execute(
        sa.select(pending).where(pending.c.submission_id == submission_id).order_by(pending.c.id)
    ).mappings()
    return [_pending(r) for r in rows]


def _pending(row: sa.RowMapping) -> PendingRegistration:
    return PendingRegistration(
        id=row["id"],
        list_id=row["list_id"],
        entity_uuid=row["entity_uuid"],
        submission_id=row["submission_id"],
        submission_version_id=row["submission_version_id"],
        held_by=row["held_by"],
        action=action_from_json(row["action"]),
    )


def _list_by_id(connection: Connection, list_id: int) -> EntityListRecord:
    project_id, name = connection.execute(
        sa.select(s.entity_lists.c.project_id, s.entity_lists.c.name).where(
            s.entity_lists.c.id == list_id
        )
    ).one()
    return get_list(connection, int(project_id), str(name))


def _waiting(state: sa.ColumnElement[str | None]) -> sa.ColumnElement[bool]:
    return sa.or_(state.is_(None), state.in_([x for x in PENDING_STATES if x is not None]))
