""" "Same person": the later registration merged into the earlier. Its entity, if it has one
(a list compared by `baobab duplicates scan`, or a registration created before the review),
is closed, so it leaves every device's list and the dashboard's counts; the follow-ups sent for
it are re-attached to the kept case (their scores move with them, the case page lists them);
all recorded in `person_merges` so a manager can undo it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.audit import record
from storage.errors import InvalidData, NotFound, StorageCode
from storage.schema import system as s
from storage.submissions.queries import set_review_state


@dataclass(frozen=True, slots=True)
class Merge:
    id: int
    flag_id: int | None
    kept_uuid: str
    merged_uuid: str
    entity_closed: bool
    followups: list[int]  # submission ids re-attached to the kept case
    created_at: datetime
    undone_at: datetime | None


def merge(connection: Connection, flag: Any, actor_id: int | None, now: datetime) -> Merge:
    """Merge the flag's registration (`entity_uuid`) into its candidate (kept)."""
    list_id, kept, merged = flag["list_id"], flag["candidate_uuid"], flag["entity_uuid"]
    e = s.entities
    entity = connection.execute(
        sa.select(e.c.id).where(
            e.c.list_id == list_id, e.c.uuid == merged, e.c.deleted_at.is_(None)
        )
    ).scalar()
    followups: list[int] = []
    if entity is not None:
        connection.execute(sa.update(e).where(e.c.id == entity).values(deleted_at=now))
        followups = _followups(connection, entity, flag["submission_id"])
        if followups:
            connection.execute(
                sa.update(s.rss_scores)
                .where(s.rss_scores.c.submission_id.in_(followups))
                .values(entity_uuid=kept)
            )
    merge_id = connection.execute(
        sa.insert(s.person_merges)
        .values(
            list_id=list_id,
            flag_id=flag["id"],
            kept_uuid=kept,
            merged_uuid=merged,
            entity_closed=entity is not None,
            followups=followups,
            merged_by=actor_id,
            created_at=now,
        )
        .returning(s.person_merges.c.id)
    ).scalar_one()
    record(
        connection,
        actor_id=actor_id,
        action="entity.duplicate.merge",
        actee_type="entity",
        actee_id=merged,
        now=now,
        details={"kept": kept, "entity closed": entity is not None, "follow-ups": followups},
    )
    return _merge(connection.execute(_MERGES.where(s.person_merges.c.id == merge_id)).one())


def undo_merge(
    connection: Connection, list_id: int, flag_id: int, actor_id: int, now: datetime
) -> Merge:
    """A manager's undo of "same person": the entity reopened, the follow-ups given back to
    it, the pair open again (and its intake back in "has issues")."""
    m, flags = s.person_merges, s.duplicate_flags
    row = connection.execute(
        _MERGES.where(m.c.list_id == list_id, m.c.flag_id == flag_id, m.c.undone_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"a merge of the pair {flag_id} to undo")
    done = _merge(row)
    if done.entity_closed:
        connection.execute(
            sa.update(s.entities)
            .where(s.entities.c.list_id == list_id, s.entities.c.uuid == done.merged_uuid)
            .values(deleted_at=None)
        )
    if done.followups:
        connection.execute(
            sa.update(s.rss_scores)
            .where(s.rss_scores.c.submission_id.in_(done.followups))
            .values(entity_uuid=done.merged_uuid)
        )
    connection.execute(
        sa.update(m).where(m.c.id == done.id).values(undone_by=actor_id, undone_at=now)
    )
    connection.execute(
        sa.update(flags)
        .where(flags.c.id == flag_id)
        .values(status="open", decided_by=None, decided_at=None)
    )
    submission_id = connection.execute(
        sa.select(flags.c.submission_id).where(flags.c.id == flag_id)
    ).scalar()
    if submission_id is not None:
        set_review_state(connection, submission_id, "hasIssues", now)
    record(
        connection,
        actor_id=actor_id,
        action="entity.duplicate.unmerge",
        actee_type="entity",
        actee_id=done.merged_uuid,
        now=now,
        details={"kept": done.kept_uuid, "follow-ups": done.followups},
    )
    return _merge(connection.execute(_MERGES.where(m.c.id == done.id)).one())


def merges_of(
    connection: Connection, list_id: int, entity_uuid: str
) -> tuple[Merge | None, list[Merge]]:
    """For a case page: the merge that closed it (None if open), and those merged into it."""
    m = s.person_merges
    rows = connection.execute(
        _MERGES.where(
            m.c.list_id == list_id,
            m.c.undone_at.is_(None),
            sa.or_(m.c.merged_uuid == entity_uuid, m.c.kept_uuid == entity_uuid),
        ).order_by(m.c.id)
    ).all()
    found = [_merge(r) for r in rows]
    into = next((x for x in found if x.merged_uuid == entity_uuid), None)
    return into, [x for x in found if x.kept_uuid == entity_uuid]


def merge_of_flag(connection: Connection, flag_id: int) -> Merge | None:
    m = s.person_merges
    row = connection.execute(_MERGES.where(m.c.flag_id == flag_id, m.c.undone_at.is_(None))).first()
    return _merge(row) if row is not None else None


def check_decidable(status: str) -> None:
    """A pair merged as the same person is undone (by a manager) before it is decided again;
    any other pair can be (different people later found to be one are merged then)."""
    if status == "duplicate":
        raise InvalidData(
            StorageCode.INVALID_STATE,
            state=status,
            kind="state a pair can be decided again in (a manager undoes the merge first)",
            expected="open, unsure, distinct",
        )


def _followups(connection: Connection, entity_id: int, intake_id: int | None) -> list[int]:
    """The submissions that changed the entity after its registration (follow-ups)."""
    v, sv = s.entity_versions, s.submission_versions
    rows = connection.execute(
        sa.select(sv.c.submission_id)
        .select_from(v.join(sv, sv.c.id == v.c.submission_version_id))
        .where(v.c.entity_id == entity_id, v.c.version > 1)
        .distinct()
        .order_by(sv.c.submission_id)
    ).scalars()
    return [int(r) for r in rows if r != intake_id]


_M = s.person_merges
_MERGES = sa.select(
    _M.c.id,
    _M.c.flag_id,
    _M.c.kept_uuid,
    _M.c.merged_uuid,
    _M.c.entity_closed,
    _M.c.followups,
    _M.c.created_at,
    _M.c.undone_at,
)


def _merge(row: Any) -> Merge:
    return Merge(
        id=int(row[0]),
        flag_id=row[1],
        kept_uuid=str(row[2]),
        merged_uuid=str(row[3]),
        entity_closed=bool(row[4]),
        followups=[int(x) for x in row[5] or []],
        created_at=row[6],
        undone_at=row[7],
    )
