"""Erase a person (a data-protection request): their registration, every follow-up about them,
the entity and its versions, scores, duplicate pairs and merges, comments (case notes) and
files, in one transaction; then the files in the blob store. The audit entry keeps who, why
and how much, none of the person's data. Their instanceIDs stay as hashes, so a device that
still holds a copy cannot send it back in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.audit import record
from storage.blobs.store import BlobStore
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.lifecycle.purge_rows import (
    delete_blobs,
    delete_entity,
    forget_person,
    purge_submissions,
)
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class PersonFootprint:
    """What erasing a person removes: counts, shown before and audited after."""

    submissions: int
    entity_versions: int
    scores: int
    pairs: int
    files: int

    def details(self) -> dict[str, object]:
        return {
            "submissions": self.submissions,
            "entityVersions": self.entity_versions,
            "scores": self.scores,
            "duplicatePairs": self.pairs,
            "files": self.files,
        }


def person_submissions(connection: Connection, list_id: int, uuid: str) -> list[int]:
    """Every submission about the person: the one that registered them and each that updated
    their entity (entity versions, held and waiting actions), scored them (follow-ups), or
    brought their registration to the duplicate review."""
    v, sv = s.entity_versions, s.submission_versions
    entity_ids = sa.select(s.entities.c.id).where(
        s.entities.c.list_id == list_id, s.entities.c.uuid == uuid
    )
    by_version = (
        sa.select(sv.c.submission_id)
        .join(v, v.c.submission_version_id == sv.c.id)
        .where(v.c.entity_id.in_(entity_ids))
    )
    sources = [
        by_version,
        sa.select(s.rss_scores.c.submission_id).where(s.rss_scores.c.entity_uuid == uuid),
        *(
            sa.select(t.c.submission_id).where(t.c.list_id == list_id, t.c.entity_uuid == uuid)
            for t in (s.entity_backlog, s.entity_pending, s.person_profiles)
        ),
    ]
    found: set[int] = set()
    for query in sources:
        found |= {int(i) for i in connection.execute(query).scalars() if i is not None}
    return sorted(found)


def footprint(connection: Connection, list_id: int, uuid: str) -> PersonFootprint:
    entity_id = _entity_id(connection, list_id, uuid)
    ids = person_submissions(connection, list_id, uuid)
    if entity_id is None and not ids:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the person {uuid}")
    flags, files, sv = s.duplicate_flags, s.submission_attachments, s.submission_versions
    count = sa.func.count()
    return PersonFootprint(
        submissions=len(ids),
        entity_versions=connection.execute(
            sa.select(count).where(s.entity_versions.c.entity_id == entity_id)
        ).scalar_one(),
        scores=connection.execute(
            sa.select(count).where(
                sa.or_(s.rss_scores.c.entity_uuid == uuid, s.rss_scores.c.submission_id.in_(ids))
            )
        ).scalar_one(),
        pairs=connection.execute(
            sa.select(count).where(
                flags.c.list_id == list_id,
                sa.or_(flags.c.entity_uuid == uuid, flags.c.candidate_uuid == uuid),
            )
        ).scalar_one(),
        files=connection.execute(
            sa.select(sa.func.count(files.c.blob_sha256.distinct()))
            .join(sv, sv.c.id == files.c.submission_version_id)
            .where(sv.c.submission_id.in_(ids))
        ).scalar_one(),
    )


def erase_person(
    engine: Engine,
    blobs: BlobStore,
    list_id: int,
    uuid: str,
    *,
    actor_id: int | None,
    reason: str,
    now: datetime,
) -> PersonFootprint:
    with transaction(engine) as connection:
        counts = footprint(connection, list_id, uuid)
        ids = person_submissions(connection, list_id, uuid)
        sv = s.submission_versions
        names = [
            uuid,
            *connection.execute(
                sa.select(sv.c.instance_id).where(sv.c.submission_id.in_(ids))
            ).scalars(),
        ]
        freed = purge_submissions(connection, ids, now) if ids else []
        connection.execute(sa.delete(s.rss_scores).where(s.rss_scores.c.entity_uuid == uuid))
        entity_id = _entity_id(connection, list_id, uuid)
        if entity_id is not None:
            delete_entity(connection, entity_id, list_id, uuid, now, actor_id)
        forget_person(connection, list_id, uuid, now, actor_id)
        _scrub_audits(connection, names)
        record(
            connection,
            actor_id=actor_id,
            action="person.erase",
            actee_type="entity_list",
            actee_id=list_id,
            now=now,
            details={"reason": reason, **counts.details()},
        )
    delete_blobs(engine, blobs, freed)
    return counts


def _scrub_audits(connection: Connection, names: list[str]) -> None:
    """Earlier audit entries about the person (the entity's events, reviews, comments, case
    views) name them by uuid or instanceID: they keep who did what and when, and lose what
    they were about."""
    audits = s.audits
    text = sa.cast(audits.c.details, sa.Text)
    for name in names:
        connection.execute(
            sa.update(audits)
            .where(sa.or_(audits.c.actee_id == name, text.contains(name, autoescape=True)))
            .values(actee_id=None, details={"erased": True})
        )


def _entity_id(connection: Connection, list_id: int, uuid: str) -> int | None:
    found = connection.execute(
        sa.select(s.entities.c.id).where(s.entities.c.list_id == list_id, s.entities.c.uuid == uuid)
    ).scalar()
    return None if found is None else int(found)
