"""What a submission does to ODK Entities, in its transaction: each action it declares is
applied (created, updated, flagged as a conflict) or refused, and audited either way. A refusal
never costs the submission: it is kept, and the audit log says why (`entity.error`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from converters.entities import EntityAction
from storage.audit import record
from storage.entities import create_entity, find_entity, update_entity
from storage.entity_lists import find_list
from storage.errors import Conflict, InvalidData, NotFound, StorageCode


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
    audit log with its outcome (created, updated, conflict, or why it could not be applied,
    with a stable code); the submission is kept whatever the outcome."""
    outcomes = []
    for action in actions:
        outcome, code = _outcome(
            connection, project_id, action, submission_version_id, creator_id, now
        )
        details: dict[str, object] = {
            "list": action.dataset,
            "outcome": outcome,
            "submissionVersion": submission_version_id,
        }
        if code is not None:
            details["code"] = code
        record(
            connection,
            actor_id=creator_id,
            action="entity.error" if code is not None else f"entity.{outcome}",
            actee_type="entity",
            actee_id=action.uuid,
            now=now,
            details=details,
        )
        outcomes.append(outcome)
    return outcomes


def _outcome(
    connection: Connection,
    project_id: int,
    action: EntityAction,
    submission_version_id: int,
    creator_id: int | None,
    now: datetime,
) -> tuple[str, str | None]:
    """(what was done, None), or ('not applied: <why>', the code of why)."""
    if action.problem is not None:
        return f"not applied: {action.problem.message}", action.problem.code.name
    try:
        # A savepoint: whatever refuses this action undoes it alone, never the submission.
        with connection.begin_nested():
            done = _apply(connection, project_id, action, submission_version_id, creator_id, now)
    except (NotFound, Conflict, InvalidData) as error:
        return f"not applied: {error.message}", error.code.name
    except (IntegrityError, DataError) as error:
        # Two creates of one id racing on PostgreSQL, or a value that the ranges of
        # converters/entities.py should have kept out: still not worth the submission.
        return f"not applied: the database refused it ({type(error.orig).__name__})", "DATABASE"
    return done, None


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
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity list '{action.dataset}'")
    existing = find_entity(connection, entity_list.id, action.uuid)
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
    live = existing is not None and existing.deleted_at is None
    if action.update and live and action.base_version is not None:
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
            trunk_version=action.trunk_version,
        )
        stale = action.base_version < updated.version - 1  # the version it replaced
        return f"update.conflict.{updated.conflict}" if stale else "update"
    if action.create:  # an update without baseVersion too: Central creates, or refuses so
        raise Conflict(StorageCode.ENTITY_EXISTS, uuid=action.uuid, list=action.dataset)
    raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {action.uuid} to update")
