"""A registration held for the duplicate review: settled once its pairs are decided, and its
pairs forgotten when a person is erased or an entity purged. In the core, not in the returnee
programme that raises the pairs: purge and erasure must clean these rows whether or not
BAOBAB_PROGRAMMES loads the programme today (its tables are in the one migration history)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.entities.approval import release_registration
from storage.schema import system as s
from storage.submissions.queries import set_review_state


def settle(
    connection: Connection, list_id: int, submission_id: int, actor_id: int | None, now: datetime
) -> None:
    """Once no pair of the intake is open: a duplicate rejects it, and its registration is
    never created; different people return it to received (or leave it approved) and release
    its registration, created now unless its list still waits for the approval."""
    flags = s.duplicate_flags
    rows = connection.execute(
        sa.select(flags.c.entity_uuid, flags.c.status).where(flags.c.submission_id == submission_id)
    ).all()
    states = {status for _uuid, status in rows}
    if {"open", "unsure"} & states:
        return
    if "duplicate" in states:
        set_review_state(connection, submission_id, "rejected", now)
        return
    state = connection.execute(
        sa.select(s.submissions.c.review_state).where(s.submissions.c.id == submission_id)
    ).scalar()
    if state != "approved":
        connection.execute(
            sa.update(s.submissions)
            .where(s.submissions.c.id == submission_id)
            .values(review_state=None, updated_at=now)
        )
    for entity_uuid in sorted({uuid for uuid, _status in rows}):
        release_registration(connection, list_id, entity_uuid, submission_id, now, actor_id)


def forget_pairs(
    connection: Connection, list_id: int, uuid: str, now: datetime, actor_id: int | None = None
) -> int:
    """Delete every pair `uuid` is in (its person erased, or its entity purged: issue 18); a
    registration that waited only on those pairs is settled as if they had never been raised
    (released, unless another pair still holds it). The number of pairs deleted."""
    flags = s.duplicate_flags
    involved = sa.and_(
        flags.c.list_id == list_id,
        sa.or_(flags.c.entity_uuid == uuid, flags.c.candidate_uuid == uuid),
    )
    others = {
        (int(row[0]), str(row[1]))
        for row in connection.execute(
            sa.select(flags.c.submission_id, flags.c.entity_uuid).where(
                involved, flags.c.entity_uuid != uuid, flags.c.submission_id.is_not(None)
            )
        )
    }
    deleted = connection.execute(sa.delete(flags).where(involved)).rowcount
    for submission_id, entity_uuid in sorted(others):
        left = connection.execute(
            sa.select(sa.func.count()).where(flags.c.submission_id == submission_id)
        ).scalar_one()
        if left:  # other pairs: decided as they are decided
            settle(connection, list_id, submission_id, actor_id, now)
            continue
        state = connection.execute(
            sa.select(s.submissions.c.review_state).where(s.submissions.c.id == submission_id)
        ).scalar()
        if state == "hasIssues":  # flagged only for these pairs: back to received
            connection.execute(
                sa.update(s.submissions)
                .where(s.submissions.c.id == submission_id)
                .values(review_state=None, updated_at=now)
            )
        release_registration(connection, list_id, entity_uuid, submission_id, now, actor_id)
    return int(deleted or 0)
