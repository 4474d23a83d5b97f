"""The rows a purge deletes, batch by batch: submissions with everything that hangs on them
(storage/lifecycle/purge.py decides which), an entity with its versions and duplicate review, and
the
blobs no row refers to any more (deleted from the store once the rows are gone)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.blobs.gc import referenced_blobs
from storage.blobs.store import BlobStore
from storage.db import insert_ignoring_conflicts, transaction
from storage.entities.holds import forget_pairs
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.schema import system as s
from storage.submissions.store import purge_key

BATCH = 500


DELETE_THREADS = 8


@dataclass(slots=True)
class PurgeCounts:
    """What a purge removed: counts only, fit for the audit log."""

    submissions: int = 0
    forms: int = 0
    projects: int = 0
    entities: int = 0
    app_users: int = 0
    blobs: int = 0

    def details(self) -> dict[str, object]:
        return {
            "submissions": self.submissions,
            "forms": self.forms,
            "projects": self.projects,
            "entities": self.entities,
            "appUsers": self.app_users,
            "blobs": self.blobs,
        }


def purge_submissions_where(
    engine: Engine,
    blobs: BlobStore,
    condition: sa.ColumnElement[bool],
    now: datetime,
    counts: PurgeCounts,
    progress: Callable[[int], None] | None = None,
) -> None:
    subs = s.submissions
    known: FormTables = {}  # built once: each build is new Table objects, new compiled SQL
    after = 0  # keyset: the rows deleted before stay as dead tuples until a vacuum
    # The files of one batch are deleted while the next batch's rows are: one batch of keys
    # waits at most, so memory stays flat.
    deleting: Future[int] | None = None
    with ThreadPoolExecutor(max_workers=1) as deleter:
        while True:
            with transaction(engine) as connection:
                ids = list(
                    connection.execute(
                        sa.select(subs.c.id)
                        .where(condition, subs.c.id > after)
                        .order_by(subs.c.id)
                        .limit(BATCH)
                    ).scalars()
                )
                if ids:
                    after = ids[-1]
                    freed = purge_submissions(connection, ids, now, known)
            if deleting is not None:
                counts.blobs += deleting.result()
                deleting = None
            if not ids:
                return
            deleting = deleter.submit(delete_blobs, engine, blobs, freed)
            counts.submissions += len(ids)
            if progress is not None:
                progress(len(ids))


FormTables = dict[int, list[sa.Table]]  # a form's data tables, children first


def purge_submissions(
    connection: Connection, ids: Sequence[int], now: datetime, known: FormTables | None = None
) -> list[str]:
    """Delete the submissions `ids` and everything that hangs on them; the sha256 of the
    blobs that no row refers to any more (their `blobs` rows are gone; the caller deletes the
    files once this transaction is committed)."""
    subs, versions, files = s.submissions, s.submission_versions, s.submission_attachments
    version_ids = sa.select(versions.c.id).where(versions.c.submission_id.in_(ids))
    keys = connection.execute(
        sa.select(versions.c.form_id, versions.c.instance_id).where(
            versions.c.submission_id.in_(ids)
        )
    ).all()
    if keys:
        connection.execute(
            insert_ignoring_conflicts(connection, s.purged_submissions),
            [{"instance_hash": purge_key(f, i), "purged_at": now} for f, i in keys],
        )
    candidates = set(
        connection.execute(
            sa.select(files.c.blob_sha256)
            .where(files.c.submission_version_id.in_(version_ids), files.c.blob_sha256.is_not(None))
            .distinct()
        ).scalars()
    )
    forms = connection.execute(
        sa.select(subs.c.form_id).where(subs.c.id.in_(ids)).distinct()
    ).scalars()
    for form_id in list(forms):
        for table in form_tables(connection, form_id, known if known is not None else {}):
            connection.execute(sa.delete(table).where(table.c._submission_id.in_(ids)))
    _forget_people(connection, ids, now)
    for table in (s.rss_scores, s.comments, s.entity_backlog, s.entity_pending):
        connection.execute(sa.delete(table).where(table.c.submission_id.in_(ids)))
    # An entity outlives the submission that made it (as in Central): its versions lose the link.
    connection.execute(
        sa.update(s.entity_versions)
        .where(s.entity_versions.c.submission_version_id.in_(version_ids))
        .values(submission_version_id=None)
    )
    connection.execute(sa.delete(files).where(files.c.submission_version_id.in_(version_ids)))
    connection.execute(sa.delete(versions).where(versions.c.submission_id.in_(ids)))
    connection.execute(sa.delete(subs).where(subs.c.id.in_(ids)))
    return unreferenced_blobs(connection, candidates)


def form_tables(connection: Connection, form_id: int, known: FormTables) -> list[sa.Table]:
    """The form's data tables, children first (a table added by a publish meanwhile holds no
    row of these submissions)."""
    if form_id not in known:
        plan = load_plan(connection, form_id)
        built = build_tables(plan)
        known[form_id] = [built[spec.name] for spec in reversed(plan.tables)]
    return known[form_id]


def _forget_people(connection: Connection, ids: Sequence[int], now: datetime) -> None:
    """Duplicate flags raised by the submissions go; a registration's profile (what it is
    compared on) goes with its intake unless the entity lives on, which keeps it unlinked."""
    flags, profiles, merges = s.duplicate_flags, s.person_profiles, s.person_merges
    raised = sa.select(flags.c.id).where(flags.c.submission_id.in_(ids))
    connection.execute(sa.update(merges).where(merges.c.flag_id.in_(raised)).values(flag_id=None))
    connection.execute(sa.delete(flags).where(flags.c.submission_id.in_(ids)))
    entity_exists = sa.exists().where(
        s.entities.c.list_id == profiles.c.list_id, s.entities.c.uuid == profiles.c.entity_uuid
    )
    orphans = connection.execute(
        sa.select(profiles.c.list_id, profiles.c.entity_uuid).where(
            profiles.c.submission_id.in_(ids), ~entity_exists
        )
    ).all()
    for list_id, uuid in orphans:
        forget_person(connection, list_id, uuid, now)
    connection.execute(
        sa.update(profiles).where(profiles.c.submission_id.in_(ids)).values(submission_id=None)
    )


def forget_person(
    connection: Connection, list_id: int, uuid: str, now: datetime, actor_id: int | None = None
) -> int:
    """A registration's profile, blocking keys, merges and every duplicate pair it is in (the
    registrations those pairs held are settled); the number of pairs removed."""
    profiles, keys, merges = s.person_profiles, s.person_keys, s.person_merges
    connection.execute(
        sa.delete(merges).where(
            merges.c.list_id == list_id,
            sa.or_(merges.c.kept_uuid == uuid, merges.c.merged_uuid == uuid),
        )
    )
    pairs = forget_pairs(connection, list_id, uuid, now, actor_id)
    connection.execute(sa.delete(keys).where(keys.c.list_id == list_id, keys.c.entity_uuid == uuid))
    connection.execute(
        sa.delete(profiles).where(profiles.c.list_id == list_id, profiles.c.entity_uuid == uuid)
    )
    return pairs


def unreferenced_blobs(connection: Connection, candidates: Iterable[str]) -> list[str]:
    """Of `candidates`, those no submission, form or draft test submission refers to: their
    `blobs` rows are deleted here, their files are the caller's to delete after commit."""
    wanted = sorted(set(candidates))
    if not wanted:
        return []
    used = referenced_blobs(connection, wanted)  # every blob-holding column, listed once there
    free = [sha for sha in wanted if sha not in used]
    if free:
        connection.execute(sa.delete(s.blobs).where(s.blobs.c.sha256.in_(free)))
    return free


def delete_blobs(engine: Engine, store: BlobStore, freed: Sequence[str]) -> int:
    """Delete the files whose rows a committed purge removed. A submission arriving meanwhile
    with the same file registers the row again: such a file stays."""
    if not freed:
        return 0
    with transaction(engine, read_only=True) as connection:
        back = set(
            connection.execute(
                sa.select(s.blobs.c.sha256).where(s.blobs.c.sha256.in_(list(freed)))
            ).scalars()
        )
    gone = [sha for sha in freed if sha not in back]
    # The store is shared by the server's threads already; deletes are round trips (S3), so a
    # few at a time.
    with ThreadPoolExecutor(max_workers=DELETE_THREADS) as pool:
        for _ in pool.map(store.delete, gone):
            pass
    return len(gone)


def delete_entity(
    connection: Connection,
    entity_id: int,
    list_id: int,
    uuid: str,
    now: datetime,
    actor_id: int | None = None,
) -> int:
    """The entity, its versions, what waits for it and its duplicate review; pairs removed."""
    connection.execute(
        sa.delete(s.entity_versions).where(s.entity_versions.c.entity_id == entity_id)
    )
    for table in (s.entity_backlog, s.entity_pending):
        connection.execute(
            sa.delete(table).where(table.c.list_id == list_id, table.c.entity_uuid == uuid)
        )
    pairs = forget_person(connection, list_id, uuid, now, actor_id)
    connection.execute(sa.delete(s.entities).where(s.entities.c.id == entity_id))
    return pairs
