"""Duplicate registrations in the database: each registration's profile and blocking keys, the
candidates that share a key, and the review queue where a person decides. A registration is
named by its entity uuid, which exists before its entity does: a registration that waits (for
approval, or for this review) is compared, flagged and decided all the same."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.people import Likeness, Person, likeness
from programmes.returnees.storage.duplicate_merges import check_decidable, merge
from storage.entities.holds import settle
from storage.errors import InvalidData, NotFound, StorageCode
from storage.schema import system as s

MAX_CANDIDATES = 2000
DECISIONS = ("duplicate", "distinct", "unsure")  # same person, different people, not sure


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
    differences: list[str] = field(default_factory=list)  # details both have that differ


def register_person(
    connection: Connection,
    list_id: int,
    entity_uuid: str,
    someone: Person,
    keys: Iterable[str],
    now: datetime,
    *,
    submission_id: int | None = None,
    label: str | None = None,
) -> None:
    connection.execute(
        sa.insert(s.person_profiles).values(
            list_id=list_id,
            entity_uuid=entity_uuid,
            submission_id=submission_id,
            label=label,
            profile=profile_of(someone),
            created_at=now,
        )
    )
    rows = [
        {"list_id": list_id, "entity_uuid": entity_uuid, "key": key} for key in sorted(set(keys))
    ]
    if rows:
        connection.execute(sa.insert(s.person_keys), rows)


def profile_of(someone: Person) -> dict[str, Any]:
    """A registration as stored to be compared (normalised: never shown)."""
    return {
        "names": list(someone.names),
        "birth": someone.birth.isoformat() if someone.birth else None,
        "phone": someone.phone,
        "document": someone.document,
    }


def is_registered(connection: Connection, list_id: int, entity_uuid: str) -> bool:
    profiles = s.person_profiles
    found = connection.execute(
        sa.select(profiles.c.entity_uuid).where(
            profiles.c.list_id == list_id, profiles.c.entity_uuid == entity_uuid
        )
    ).first()
    return found is not None


def candidates(
    connection: Connection, list_id: int, keys: Iterable[str]
) -> list[tuple[str, Person]]:
    """Registrations of the list sharing a blocking key (at most MAX_CANDIDATES), by uuid."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    profiles, keyed = s.person_profiles, s.person_keys
    uuids = (
        sa.select(keyed.c.entity_uuid)
        .where(keyed.c.list_id == list_id, keyed.c.key.in_(wanted))
        .distinct()
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    rows = connection.execute(
        sa.select(profiles.c.entity_uuid, profiles.c.profile).where(
            profiles.c.list_id == list_id,
            profiles.c.entity_uuid.in_(sa.select(uuids.c.entity_uuid)),
        )
    )
    return [(str(entity_uuid), profile_person(profile)) for entity_uuid, profile in rows]


def flag_duplicate(
    connection: Connection,
    *,
    list_id: int,
    entity_uuid: str,
    candidate_uuid: str,
    likeness: Likeness,
    submission_id: int | None,
    now: datetime,
) -> None:
    connection.execute(
        sa.insert(s.duplicate_flags).values(
            list_id=list_id,
            entity_uuid=entity_uuid,
            candidate_uuid=candidate_uuid,
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
    """Record a person's decision on an undecided pair ("unsure" leaves it to decide). "Same
    person" merges the registration into the earlier one (storage/duplicate_merges.py). When
    the intake has no undecided pair left, its review state says the outcome: rejected if it
    duplicates someone, back to received if it does not. A flag of another list (another
    project's) is not found; a pair merged as the same person is undone before it is decided
    again."""
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
    if row["status"] == decision:  # said again (a resend, a second click): nothing changes
        return _flag(connection.execute(_FLAGS.where(flags.c.id == flag_id)).one())
    check_decidable(row["status"])
    connection.execute(
        sa.update(flags)
        .where(flags.c.id == flag_id)
        .values(status=decision, decided_by=actor_id, decided_at=now, note=note)
    )
    if decision == "duplicate":
        merge(connection, row, actor_id, now)
    submission_id = row["submission_id"]
    if submission_id is not None and decision != "unsure":
        settle(connection, list_id, submission_id, actor_id, now)
    return _flag(connection.execute(_FLAGS.where(flags.c.id == flag_id)).one())


_F = s.duplicate_flags
_NEW, _OLD = s.entities.alias("new"), s.entities.alias("old")
_NEW_P, _OLD_P = s.person_profiles.alias("new_profile"), s.person_profiles.alias("old_profile")
# A registration's label is its entity's, or the one it was sent with while it waits.
_FLAGS = (
    sa.select(
        _F.c.id,
        _F.c.entity_uuid,
        sa.func.coalesce(_NEW.c.label, _NEW_P.c.label, _F.c.entity_uuid),
        _F.c.candidate_uuid,
        sa.func.coalesce(_OLD.c.label, _OLD_P.c.label, _F.c.candidate_uuid),
        _F.c.score,
        _F.c.reasons,
        _F.c.status,
        _F.c.submission_id,
        _F.c.created_at,
        _F.c.decided_at,
        _F.c.note,
        _NEW_P.c.profile,
        _OLD_P.c.profile,
    )
    .select_from(_F)
    .outerjoin(_NEW, sa.and_(_NEW.c.list_id == _F.c.list_id, _NEW.c.uuid == _F.c.entity_uuid))
    .outerjoin(
        _NEW_P,
        sa.and_(_NEW_P.c.list_id == _F.c.list_id, _NEW_P.c.entity_uuid == _F.c.entity_uuid),
    )
    .outerjoin(_OLD, sa.and_(_OLD.c.list_id == _F.c.list_id, _OLD.c.uuid == _F.c.candidate_uuid))
    .outerjoin(
        _OLD_P,
        sa.and_(_OLD_P.c.list_id == _F.c.list_id, _OLD_P.c.entity_uuid == _F.c.candidate_uuid),
    )
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
        differences=_differences(row[12], row[13]),
    )


def _differences(new: Any, old: Any) -> list[str]:
    """What the comparison finds to differ, from the two stored profiles."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return []
    return list(likeness(profile_person(new), profile_person(old)).differences)


def profile_person(profile: dict[str, Any]) -> Person:
    """A stored profile as compared."""
    birth = profile.get("birth")
    return Person(
        tuple(profile.get("names") or ()),
        date.fromisoformat(birth) if birth else None,
        profile.get("phone"),
        profile.get("document"),
    )
