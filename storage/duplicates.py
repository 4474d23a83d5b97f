"""Duplicate registrations in the database: each registration's profile and blocking keys, the
candidates that share a key, and the review queue where a person decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.people import Likeness, Person
from storage import schema as s
from storage.errors import InvalidData, NotFound, StorageCode
from storage.submission_queries import set_review_state

MAX_CANDIDATES = 2000
DECISIONS = ("duplicate", "distinct")


@dataclass(frozen=True, slots=True)
class DuplicateFlag:
    id: int
    entity_uuid: str
    entity_label: str
    candidate_uuid: str
    candidate_label: str
    score: float
    reasons: list[str]
    status: str
    submission_id: int | None
    created_at: datetime
    decided_at: datetime | None
    note: str | None


def register_person(
    connection: Connection,
    list_id: int,
    entity_id: int,
    someone: Person,
    keys: Iterable[str],
    now: datetime,
) -> None:
    connection.execute(
        sa.insert(s.person_profiles).values(
            entity_id=entity_id,
            list_id=list_id,
            profile={
                "names": list(someone.names),
                "birth": someone.birth.isoformat() if someone.birth else None,
                "phone": someone.phone,
                "document": someone.document,
            },
            created_at=now,
        )
    )
    rows = [{"entity_id": entity_id, "key": key, "list_id": list_id} for key in sorted(set(keys))]
    if rows:
        connection.execute(sa.insert(s.person_keys), rows)


def candidates(
    connection: Connection, list_id: int, keys: Iterable[str]
) -> list[tuple[int, Person]]:
    """Registrations of the list sharing a blocking key (at most MAX_CANDIDATES)."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    ids = (
        sa.select(s.person_keys.c.entity_id)
        .where(s.person_keys.c.list_id == list_id, s.person_keys.c.key.in_(wanted))
        .distinct()
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    rows = connection.execute(
        sa.select(s.person_profiles.c.entity_id, s.person_profiles.c.profile).where(
            s.person_profiles.c.entity_id.in_(sa.select(ids.c.entity_id))
        )
    )
    found = []
    for entity_id, profile in rows:
        birth = profile.get("birth")
        found.append(
            (
                int(entity_id),
                Person(
                    tuple(profile.get("names") or ()),
                    date.fromisoformat(birth) if birth else None,
                    profile.get("phone"),
                    profile.get("document"),
                ),
            )
        )
    return found


def flag_duplicate(
    connection: Connection,
    *,
    list_id: int,
    entity_id: int,
    candidate_id: int,
    likeness: Likeness,
    submission_id: int | None,
    now: datetime,
) -> None:
    connection.execute(
        sa.insert(s.duplicate_flags).values(
            list_id=list_id,
            entity_id=entity_id,
            candidate_id=candidate_id,
            submission_id=submission_id,
            score=likeness.score,
            reasons=list(likeness.reasons),
            status="open",
            created_at=now,
        )
    )


def list_flags(
    connection: Connection,
    list_id: int,
    *,
    status: str | None = "open",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DuplicateFlag], int]:
    """The list's pairs in a status (all with None), likeliest first, and how many there are."""
    flags = s.duplicate_flags
    conditions = [flags.c.list_id == list_id]
    if status:
        conditions.append(flags.c.status == status)
    rows = connection.execute(
        _FLAGS.where(*conditions)
        .order_by(flags.c.score.desc(), flags.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = connection.execute(sa.select(sa.func.count()).select_from(flags).where(*conditions))
    return [_flag(r) for r in rows], int(total.scalar_one())


def decide(
    connection: Connection,
    list_id: int,
    flag_id: int,
    decision: str,
    actor_id: int,
    note: str | None,
    now: datetime,
) -> DuplicateFlag:
    """Record a person's decision. When the intake has no open flag left, its review state says
    the outcome: rejected if it duplicates someone, back to received if it does not. A flag of
    another list (another project's) is not found."""
    if decision not in DECISIONS:
        raise InvalidData(
            StorageCode.INVALID_STATE,
            state=decision,
            kind="decision",
            expected=", ".join(DECISIONS),
        )
    flags = s.duplicate_flags
    row = (
        connection.execute(
            sa.select(flags).where(flags.c.id == flag_id, flags.c.list_id == list_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the duplicate flag {flag_id}")
    connection.execute(
        sa.update(flags)
        .where(flags.c.id == flag_id)
        .values(status=decision, decided_by=actor_id, decided_at=now, note=note)
    )
    submission_id = row["submission_id"]
    if submission_id is not None:
        states = [
            r[0]
            for r in connection.execute(
                sa.select(flags.c.status).where(flags.c.submission_id == submission_id)
            )
        ]
        if "open" not in states:
            if "duplicate" in states:
                set_review_state(connection, submission_id, "rejected", now)
            else:
                connection.execute(
                    sa.update(s.submissions)
                    .where(s.submissions.c.id == submission_id)
                    .values(review_state=None, updated_at=now)
                )
    return _flag(connection.execute(_FLAGS.where(flags.c.id == flag_id)).one())


_NEW, _OLD = s.entities.alias("new"), s.entities.alias("old")
_FLAGS = (
    sa.select(
        s.duplicate_flags.c.id,
        _NEW.c.uuid,
        _NEW.c.label,
        _OLD.c.uuid,
        _OLD.c.label,
        s.duplicate_flags.c.score,
        s.duplicate_flags.c.reasons,
        s.duplicate_flags.c.status,
        s.duplicate_flags.c.submission_id,
        s.duplicate_flags.c.created_at,
        s.duplicate_flags.c.decided_at,
        s.duplicate_flags.c.note,
    )
    .join(_NEW, _NEW.c.id == s.duplicate_flags.c.entity_id)
    .join(_OLD, _OLD.c.id == s.duplicate_flags.c.candidate_id)
)


def _flag(row: Any) -> DuplicateFlag:
    return DuplicateFlag(
        id=int(row[0]),
        entity_uuid=str(row[1]),
        entity_label=str(row[2]),
        candidate_uuid=str(row[3]),
        candidate_label=str(row[4]),
        score=float(row[5]),
        reasons=list(row[6] or []),
        status=str(row[7]),
        submission_id=row[8],
        created_at=row[9],
        decided_at=row[10],
        note=row[11],
    )
