"""Bulk review of a list already filled (a programme importing its past caseload): every entity
gets a profile and blocking keys (from its properties) if it has none, then each registration
is compared with the earlier ones sharing a key, and likely duplicates are queued, a batch at a
time (memory stays flat, each batch its own transaction). A pair already queued, in either
direction, is not queued again, so a scan can be run again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from converters.people import SPREAD, Likeness, Person, keys, likeness, person
from programmes.returnees.storage.duplicates import profile_of, profile_person
from storage.db import transaction
from storage.schema import system as s

BATCH = 500
CHUNK = 5000  # values in one IN (...): far below SQLite's 32,766 parameters


@dataclass(frozen=True, slots=True)
class Fields:
    """The entity properties compared (the intake saves its answers under the same names)."""

    names: tuple[str, ...]
    birth: str | None
    phone: str | None
    document: str | None


@dataclass
class ScanResult:
    profiled: int = 0  # registrations given a profile now
    compared: int = 0
    queued: int = 0


def scan_list(
    engine: Engine,
    list_id: int,
    fields: Fields,
    threshold: float,
    now: datetime,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    batch: int = BATCH,
) -> ScanResult:
    result = ScanResult()
    with transaction(engine, read_only=True) as connection:
        total = _count(connection, list_id)
    done = seen = 0
    for rows in _batches(engine, _entities(list_id), batch, lambda row: row[4]):
        profiles, keyed = [], []
        for entity_uuid, label, data, created_at, _id, profiled in rows:
            if profiled is not None:
                continue  # registered through an intake, or by an earlier scan
            someone = person(
                [_text(data, n) for n in fields.names],
                _text(data, fields.birth),
                _text(data, fields.phone),
                _text(data, fields.document),
            )
            profiles.append(
                {
                    "list_id": list_id,
                    "entity_uuid": entity_uuid,
                    "submission_id": None,
                    "label": label,
                    "profile": profile_of(someone),
                    "created_at": created_at,
                }
            )
            keyed += [
                {"list_id": list_id, "entity_uuid": entity_uuid, "key": key}
                for key in sorted(keys(someone))
            ]
        if profiles:
            with transaction(engine) as connection:
                connection.execute(sa.insert(s.person_profiles), profiles)
                if keyed:
                    connection.execute(sa.insert(s.person_keys), keyed)
        result.profiled += len(profiles)
        seen += len(rows)
        if progress:
            progress("profiles", seen, total)
    with transaction(engine, read_only=True) as connection:
        total = int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(s.person_profiles)
                .where(s.person_profiles.c.list_id == list_id)
            ).scalar_one()
        )
    for rows in _batches(engine, _profiles(list_id), batch, lambda row: row[0]):
        with transaction(engine) as connection:
            result.queued += _compare_batch(connection, list_id, rows, threshold, now)
        done += len(rows)
        result.compared = done
        if progress:
            progress("compared", done, total)
    return result


def _compare_batch(
    connection: Connection,
    list_id: int,
    rows: list[Any],
    threshold: float,
    now: datetime,
) -> int:
    """Queue the pairs of each registration of the batch (uuid, profile, created_at) with the
    earlier ones alike enough, in a few queries for the whole batch."""
    p, k, f = s.person_profiles, s.person_keys, s.duplicate_flags
    people = {str(r[0]): (profile_person(r[1]), (r[2], str(r[0]))) for r in rows}
    wanted = {u: keys(who, spread=SPREAD) for u, (who, _order) in people.items()}
    holders: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(set().union(*wanted.values())), CHUNK):
        for holder, key in connection.execute(
            sa.select(k.c.entity_uuid, k.c.key).where(k.c.list_id == list_id, k.c.key.in_(chunk))
        ):
            holders.setdefault(str(key), set()).add(str(holder))
    others = {o for u in wanted for key in wanted[u] for o in holders.get(key, ())}
    profiles: dict[str, tuple[Person, tuple[datetime, str]]] = {}
    for chunk in _chunks(sorted(others), CHUNK):
        for other, profile, created in connection.execute(
            sa.select(p.c.entity_uuid, p.c.profile, p.c.created_at).where(
                p.c.list_id == list_id, p.c.entity_uuid.in_(chunk)
            )
        ):
            profiles[str(other)] = (profile_person(profile), (created, str(other)))
    known: set[frozenset[str]] = set()
    for chunk in _chunks(sorted(people), CHUNK):
        for one, other in connection.execute(
            sa.select(f.c.entity_uuid, f.c.candidate_uuid).where(
                f.c.list_id == list_id,
                sa.or_(f.c.entity_uuid.in_(chunk), f.c.candidate_uuid.in_(chunk)),
            )
        ):
            known.add(frozenset((str(one), str(other))))
    queued = []
    for uuid, (someone, order) in people.items():
        candidates = {o for key in wanted[uuid] for o in holders.get(key, ())}
        for other in sorted(candidates):
            found = profiles.get(other)
            if found is None or not found[1] < order or frozenset((uuid, other)) in known:
                continue  # later registrations are compared with this one in their turn
            alike: Likeness = likeness(someone, found[0])
            if alike.score >= threshold:
                known.add(frozenset((uuid, other)))
                queued.append(
                    {
                        "list_id": list_id,
                        "entity_uuid": uuid,
                        "candidate_uuid": other,
                        "submission_id": None,
                        "score": alike.score,
                        "reasons": list(alike.reasons),
                        "status": "open",
                        "created_at": now,
                    }
                )
    if queued:
        connection.execute(sa.insert(f), queued)
    return len(queued)


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _entities(list_id: int) -> Callable[[object], sa.Select[Any]]:
    """The list's live entities by id after the last one seen (the primary key's order, so
    each batch costs the same however far the scan is), each with its profile's uuid if it
    has one."""
    e, p = s.entities, s.person_profiles

    def query(after: object) -> sa.Select[Any]:
        select = (
            sa.select(e.c.uuid, e.c.label, e.c.data, e.c.created_at, e.c.id, p.c.entity_uuid)
            .select_from(
                e.outerjoin(p, sa.and_(p.c.list_id == e.c.list_id, p.c.entity_uuid == e.c.uuid))
            )
            .where(e.c.list_id == list_id, e.c.deleted_at.is_(None))
        )
        if after is not None:
            select = select.where(e.c.id > after)
        return select.order_by(e.c.id)

    return query


def _profiles(list_id: int) -> Callable[[object], sa.Select[Any]]:
    """The list's profiles in their primary key's order, after the last one seen (any order
    will do: each pair is compared from its later registration's side)."""
    p = s.person_profiles

    def query(after: object) -> sa.Select[Any]:
        select = sa.select(p.c.entity_uuid, p.c.profile, p.c.created_at).where(
            p.c.list_id == list_id
        )
        if after is not None:
            select = select.where(p.c.entity_uuid > after)
        return select.order_by(p.c.entity_uuid)

    return query


def _batches(
    engine: Engine,
    query: Callable[[object], sa.Select[Any]],
    size: int,
    position: Callable[[Any], object],
) -> Iterable[list[Any]]:
    """Rows a batch at a time, by keyset: `position` of the last row is where the next starts."""
    after: object = None
    while True:
        with transaction(engine, read_only=True) as connection:
            rows = [tuple(r) for r in connection.execute(query(after).limit(size))]
        if not rows:
            return
        after = position(rows[-1])
        yield rows


def _count(connection: Connection, list_id: int) -> int:
    e = s.entities
    return int(
        connection.execute(
            sa.select(sa.func.count())
            .select_from(e)
            .where(e.c.list_id == list_id, e.c.deleted_at.is_(None))
        ).scalar_one()
    )


def _text(data: object, name: str | None) -> str | None:
    if not name or not isinstance(data, dict):
        return None
    value = data.get(name)
    return str(value) if value not in (None, "") else None
