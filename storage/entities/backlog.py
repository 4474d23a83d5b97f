"""Offline entity updates held until the update they build on arrives, as Central's
entity_submission_backlog (lib/model/query/entities.js): holding one, taking the next of a
branch once its base is applied, and finding those held long enough to be applied anyway. Each
row keeps the action as it was read from the submission, so releasing it needs no form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.entities import EntityAction
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class HeldAction:
    id: int
    list_id: int
    entity_uuid: str
    branch_id: str | None
    branch_base_version: int  # the device's baseVersion: its predecessor is this minus one
    submission_id: int
    submission_version_id: int
    held_at: datetime
    action: EntityAction


def action_json(action: EntityAction) -> dict[str, object]:
    """An action as a JSON column holds it (only actions without a problem are stored)."""
    return {
        "dataset": action.dataset,
        "uuid": action.uuid,
        "create": action.create,
        "update": action.update,
        "baseVersion": action.base_version,
        "trunkVersion": action.trunk_version,
        "branchId": action.branch_id,
        "label": action.label,
        "properties": dict(action.properties),
    }


def action_from_json(raw: Mapping[str, Any]) -> EntityAction:
    return EntityAction(
        dataset=str(raw["dataset"]),
        uuid=str(raw["uuid"]),
        create=bool(raw["create"]),
        update=bool(raw["update"]),
        base_version=raw.get("baseVersion"),
        label=raw.get("label"),
        properties={str(k): str(v) for k, v in (raw.get("properties") or {}).items()},
        trunk_version=raw.get("trunkVersion"),
        branch_id=raw.get("branchId"),
    )


def hold(
    connection: Connection,
    list_id: int,
    action: EntityAction,
    *,
    submission_id: int,
    submission_version_id: int,
    now: datetime,
) -> None:
    assert action.base_version is not None, "only an update with a baseVersion waits for it"
    connection.execute(
        sa.insert(s.entity_backlog).values(
            list_id=list_id,
            entity_uuid=action.uuid,
            branch_id=action.branch_id,
            branch_base_version=action.base_version,
            submission_id=submission_id,
            submission_version_id=submission_version_id,
            held_at=now,
            action=action_json(action),
        )
    )


def is_held(connection: Connection, submission_id: int, list_id: int, uuid: str) -> bool:
    backlog = s.entity_backlog
    found = connection.execute(
        sa.select(backlog.c.id).where(
            backlog.c.submission_id == submission_id,
            backlog.c.list_id == list_id,
            backlog.c.entity_uuid == uuid,
        )
    ).first()
    return found is not None


def take_next(
    connection: Connection, list_id: int, uuid: str, branch_id: str | None, after: int | None
) -> HeldAction | None:
    """The held update that follows a version just applied, out of the backlog (Central's
    _getNextHeldSubmissionInBranch): in its branch, the one whose baseVersion is the next;
    after a version of no branch (an offline create), one based on version 1."""
    backlog = s.entity_backlog
    query = sa.select(backlog.c.id).where(
        backlog.c.list_id == list_id, backlog.c.entity_uuid == uuid
    )
    if branch_id is None:
        query = query.where(backlog.c.branch_base_version == 1)
    else:
        query = query.where(
            backlog.c.branch_id == branch_id, backlog.c.branch_base_version == (after or 0) + 1
        )
    row_id = connection.execute(query.order_by(backlog.c.id).limit(1)).scalar()
    return take(connection, int(row_id)) if row_id is not None else None


def take(connection: Connection, row_id: int) -> HeldAction | None:
    """The held row, deleted: None when another transaction took it first, or when its
    submission was deleted since (Central processes nothing of a deleted submission)."""
    backlog, subs = s.entity_backlog, s.submissions
    row = (
        connection.execute(
            sa.select(backlog, subs.c.deleted_at)
            .join(subs, subs.c.id == backlog.c.submission_id)
            .where(backlog.c.id == row_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    deleted = connection.execute(sa.delete(backlog).where(backlog.c.id == row_id))
    if deleted.rowcount != 1 or row["action"] is None or row["deleted_at"] is not None:
        return None
    return HeldAction(
        id=row["id"],
        list_id=row["list_id"],
        entity_uuid=row["entity_uuid"],
        branch_id=row["branch_id"],
        branch_base_version=row["branch_base_version"],
        submission_id=row["submission_id"],
        submission_version_id=row["submission_version_id"],
        held_at=row["held_at"],
        action=action_from_json(row["action"]),
    )


def held_before(connection: Connection, cutoff: datetime | None) -> list[int]:
    """Rows held before `cutoff` (all with None), in the order Central forces them: by branch,
    then by their place in it, so a branch's updates apply in turn."""
    backlog = s.entity_backlog
    query = sa.select(backlog.c.id)
    if cutoff is not None:
        query = query.where(backlog.c.held_at < cutoff)
    ordered = query.order_by(
        backlog.c.branch_id, backlog.c.branch_base_version, backlog.c.held_at, backlog.c.id
    )
    return [int(i) for i in connection.execute(ordered).scalars()]


def any_held_before(connection: Connection, cutoff: datetime) -> bool:
    """Whether some row is due (one indexed probe, cheap enough for every intake)."""
    backlog = s.entity_backlog
    found = connection.execute(
        sa.select(backlog.c.id).where(backlog.c.held_at < cutoff).limit(1)
    ).first()
    return found is not None


def count_held(connection: Connection, list_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(s.entity_backlog)
    if list_id is not None:
        query = query.where(s.entity_backlog.c.list_id == list_id)
    return int(connection.execute(query).scalar_one())
