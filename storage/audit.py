"""The audit log: who did what to what, when, and with which details (filters of an export,
the review state chosen). Written in the transaction of the action it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    actor_id: int | None
    action: str
    actee_type: str | None
    actee_id: str | None
    details: dict[str, object] | None
    logged_at: datetime


def record(
    connection: Connection,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    actee_type: str | None = None,
    actee_id: object = None,
    details: dict[str, object] | None = None,
) -> None:
    connection.execute(
        sa.insert(s.audits).values(
            actor_id=actor_id,
            action=action,
            actee_type=actee_type,
            actee_id=None if actee_id is None else str(actee_id),
            details=details,
            logged_at=now,
        )
    )


def list_audits(
    connection: Connection,
    *,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditRecord]:
    """Newest first. `action` matches exactly or, ending in '*', by prefix ('form.*')."""
    table = s.audits
    query = sa.select(table)
    if action:
        query = query.where(
            table.c.action.startswith(action[:-1])
            if action.endswith("*")
            else table.c.action == action
        )
    if start is not None:
        query = query.where(table.c.logged_at >= start)
    if end is not None:
        query = query.where(table.c.logged_at <= end)
    rows = connection.execute(
        query.order_by(table.c.logged_at.desc(), table.c.id.desc()).limit(limit).offset(offset)
    )
    return [
        AuditRecord(r.id, r.actor_id, r.action, r.actee_type, r.actee_id, r.details, r.logged_at)
        for r in rows
    ]
