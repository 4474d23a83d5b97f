"""What a submission does to ODK Entities, in its transaction: each action it declares is
applied (storage/entities/apply.py), held for its base, kept pending, or refused, and audited
either way. A refusal never costs the submission: it is kept, and the audit log says why
(entity.error). Several actions (entities from repeats) succeed or fail together, as in Central
(400.43). Also here: forcing updates held longer than the backlog allows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from converters.entities import EntityAction
from storage.db import transaction
from storage.entities.apply import (
    REFUSALS,
    Event,
    Outcome,
    Result,
    apply_action,
    audit_result,
    refusal_of,
    release_after,
)
from storage.entities.approval import held_by, record_pending
from storage.entities.audits import (
    Backlog,
    Origin,
    Refusal,
    origin_of,
    record_backlog,
    record_error,
)
from storage.entities.backlog import held_before, take
from storage.entities.lists import EntityListRecord, find_list, get_list
from storage.errors import NotFound, StorageCode
from storage.schema import system as s


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class Applied:
    """What became of one action of a submission."""

    action: EntityAction
    outcome: Outcome | None  # None: refused (see entity.error)


def apply_actions(
    connection: Connection,
    project_id: int,
    actions: Sequence[EntityAction],
    *,
    origin: Origin,
    event: Event,
    now: datetime,
    held_by: Mapping[str, str] | None = None,
) -> list[Applied]:
    """Apply a submission's entity actions. `held_by`: registrations (by uuid) that a check
    holds for a person's decision (storage/entities/approval.py). One action that cannot apply
    is audited with its own reason; when the submission has several, none applies and one
    entity.error lists them (Central's multiEntityError)."""
    if not actions:
        return []
    holds = held_by or {}
    outcomes: list[Outcome | None] = []
    failures: list[tuple[int, Refusal]] = []
    try:
        with connection.begin_nested():  # all the submission's actions, or none
            for index, action in enumerate(actions):
                try:
                    outcomes.append(_one(connection, project_id, action, origin, event, now, holds))
                except _Refused as refused:
                    outcomes.append(None)
                    failures.append((index, refused.refusal))
            if failures and len(actions) > 1:
                raise _Refused(_multi(failures, len(actions)))
    except _Refused as refused:
        record_error(connection, origin, refused.refusal, entity=None, now=now)
        return [Applied(a, None) for a in actions]
    for index, refusal in failures:  # a single action
        action = actions[index]
        entity = {"uuid": action.uuid, "dataset": action.dataset}
        record_error(connection, origin, refusal, entity=entity, now=now)
    return [Applied(a, o) for a, o in zip(actions, outcomes, strict=True)]


def _one(
    connection: Connection,
    project_id: int,
    action: EntityAction,
    origin: Origin,
    event: Event,
    now: datetime,
    holds: Mapping[str, str],
) -> Outcome:
    if action.problem is not None:
        problem = action.problem
        raise _Refused(Refusal(problem.code.name, problem.message, problem.context))
    entity_list = find_list(connection, project_id, action.dataset)
    if entity_list is None:
        missing = NotFound(StorageCode.NOT_FOUND, what=f"the entity list '{action.dataset}'")
        raise _Refused(refusal_of(missing))
    hold = holds.get(action.uuid)
    if hold is None and event is Event.EDITED:  # an edit of a registration held for review
        hold = held_by(connection, origin.submission_id, entity_list.id, action.uuid)
    try:
        # A savepoint: whatever refuses this action undoes it alone.
        with connection.begin_nested():
            result = apply_action(connection, entity_list, action, origin, event, now, held_by=hold)
    except REFUSALS as error:
        raise _Refused(refusal_of(error)) from error
    _after(connection, entity_list, action, origin, event, result, hold, now)
    return result.outcome


def _after(
    connection: Connection,
    entity_list: EntityListRecord,
    action: EntityAction,
    origin: Origin,
    event: Event,
    result: Result,
    hold: str | None,
    now: datetime,
) -> None:
    if result.outcome is Outcome.PENDING:
        record_pending(connection, entity_list.id, action, origin, hold, now)
        return
    if result.entity is None:
        return
    audit_result(connection, origin, entity_list, result, now)
    if event is not Event.FORCE:  # Central: a forced version releases nothing
        release_after(connection, entity_list, result.entity, now)


def _multi(failures: Sequence[tuple[int, Refusal]], total: int) -> Refusal:
    errors = "; ".join(f"(entity {i + 1}) {r.message}" for i, r in failures)
    context = {
        "count": len(failures),
        "total": total,
        "errors": [{"index": i, "code": r.code, "errorMessage": r.message} for i, r in failures],
    }
    return Refusal(
        "ENTITY_MULTI",
        StorageCode.ENTITY_MULTI.template.format(count=len(failures), total=total, errors=errors),
        context,
    )


def process_backlog(
    engine: Engine, now: datetime, *, older_than: timedelta | None, limit: int | None = None
) -> int:
    """Apply the updates held longer than `older_than` (all with None: --force), each in its
    own transaction, against the latest version when their base never came, or as a create
    when their entity never came (Central's processBacklog); at most `limit`. How many were
    processed."""
    with transaction(engine, read_only=True) as connection:
        due = held_before(connection, None if older_than is None else now - older_than)
    done = 0
    if limit is not None:
        due = due[:limit]
    for row_id in due:
        with transaction(engine) as connection:
            done += force_held(connection, row_id, now)
    return done


def force_held(connection: Connection, row_id: int, now: datetime) -> int:
    """One held update forced, if no other process took it first (1), else 0."""
    held = take(connection, row_id)
    if held is None:
        return 0
    origin = origin_of(connection, held.submission_version_id)
    record_backlog(connection, Backlog.FORCE, origin, held.entity_uuid, now)
    project_id, name = connection.execute(
        sa.select(s.entity_lists.c.project_id, s.entity_lists.c.name).where(
            s.entity_lists.c.id == held.list_id
        )
    ).one()
    entity_list = get_list(connection, int(project_id), str(name))
    apply_actions(
        connection,
        entity_list.project_id,
        [held.action],
        origin=origin,
        event=Event.FORCE,
        now=now,
    )
    return 1
