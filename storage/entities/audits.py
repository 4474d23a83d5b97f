"""What entity processing writes to the audit log, in ODK Central's words and shapes
(lib/model/query/entities.js): entity.create and entity.update.version for each version a
submission makes, entity.error when an action cannot apply, and submission.backlog.hold,
.reprocess and .force for offline updates that wait for their base."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.audit import record
from storage.schema import system as s

# Central's problem codes (lib/util/problem.js) of what can refuse an entity action, so that a
# tool reading Central's entity.error details (`problem.problemCode`) reads Baobab's. These
# are data in the audit log, not HTTP statuses (server/errors.py maps those).
CENTRAL_PROBLEMS = {
    "NOT_FOUND": 404.8,
    "ENTITY_VERSION_NOT_FOUND": 404.9,
    "ENTITY_DELETED": 404.11,
    "ENTITY_EXISTS": 409.3,
    "ALREADY_EXISTS": 409.3,
    "ENTITY_ID_DELETED": 409.19,
    "ENTITY_MULTI": 400.43,
    "ENTITY_NO_ID": 400.2,
    "ENTITY_NO_BASE_VERSION": 400.2,
    "ENTITY_BAD_ID": 400.11,
    "ENTITY_BAD_VERSION": 400.11,
    "ENTITY_BAD_BRANCH": 400.2,
    "ENTITY_WRONG_LIST": 404.7,
    "ENTITY_TOO_LONG": 400.28,
    "INVALID_NAME": 400.28,
}


@dataclass(frozen=True, slots=True)
class Origin:
    """The submission version an entity action comes from."""

    submission_id: int
    submission_version_id: int
    instance_id: str
    form_id: str  # the xmlFormId: backlog events are the form's, as in Central
    creator_id: int | None  # the submitter, who is the actor of what the action does


def origin_of(connection: Connection, submission_version_id: int) -> Origin:
    """The origin of a stored submission version (a held or pending action's)."""
    sv, subs, forms = s.submission_versions, s.submissions, s.forms
    row = connection.execute(
        sa.select(subs.c.id, subs.c.instance_id, forms.c.xml_form_id, subs.c.submitter_id)
        .join(subs, subs.c.id == sv.c.submission_id)
        .join(forms, forms.c.id == subs.c.form_id)
        .where(sv.c.id == submission_version_id)
    ).one()
    return Origin(int(row[0]), submission_version_id, str(row[1]), str(row[2]), row[3])


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action (or a submission's actions) could not apply."""

    code: str  # the stable code's name
    message: str
    context: Mapping[str, object]


def submission_ids(origin: Origin) -> dict[str, object]:
    return {"submissionId": origin.submission_id, "submissionDefId": origin.submission_version_id}


def record_version(
    connection: Connection,
    origin: Origin,
    *,
    action: str,
    entity_uuid: str,
    dataset: str,
    entity_id: int,
    version: int,
    conflict: str | None,
    now: datetime,
) -> None:
    """entity.create or entity.update.version, as Central details them, plus the version and
    the conflict it brought (Baobab wrote entity.update.conflict.soft|hard before)."""
    record(
        connection,
        actor_id=origin.creator_id,
        action=action,
        actee_type="entity",
        actee_id=entity_uuid,
        now=now,
        details={
            "entityId": entity_id,
            "entity": {"uuid": entity_uuid, "dataset": dataset},
            **submission_ids(origin),
            "version": version,
            "conflict": conflict,
            "list": dataset,
        },
    )


def record_error(
    connection: Connection,
    origin: Origin,
    refusal: Refusal,
    *,
    entity: Mapping[str, str] | None,
    now: datetime,
) -> None:
    """entity.error (Central: errorMessage and problem, on the submission), with Baobab's
    stable code and the outcome in words."""
    details: dict[str, object] = {
        **submission_ids(origin),
        "errorMessage": refusal.message,
        "problem": {
            "problemCode": CENTRAL_PROBLEMS.get(refusal.code),
            "problemDetails": dict(refusal.context),
        },
        "code": refusal.code,
        "outcome": f"not applied: {refusal.message}",
    }
    if entity is not None:
        details["entity"] = dict(entity)
        details["list"] = entity.get("dataset")
    record(
        connection,
        actor_id=origin.creator_id,
        action="entity.error",
        actee_type="submission",
        actee_id=origin.instance_id,
        now=now,
        details=details,
    )


class Backlog(Enum):
    HOLD = "submission.backlog.hold"
    REPROCESS = "submission.backlog.reprocess"
    FORCE = "submission.backlog.force"


def record_backlog(
    connection: Connection, event: Backlog, origin: Origin, entity_uuid: str, now: datetime
) -> None:
    record(
        connection,
        actor_id=origin.creator_id,
        action=event.value,
        actee_type="form",
        actee_id=origin.form_id,
        now=now,
        details={
            **submission_ids(origin),
            "instanceId": origin.instance_id,
            "entity": {"uuid": entity_uuid},
        },
    )
