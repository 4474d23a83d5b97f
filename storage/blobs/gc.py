"""Blob garbage collection (`baobab blobs gc`): the blobs in the store that no row refers to.

Every column that holds a blob key is named in BLOB_REFERENCES, and only there: a test checks it
against the declared schema, so a new column holding blob keys cannot be forgotten here.

A blob is stored before the rows that refer to it commit (storage/submissions/store.py), so a blob
without a reference may be a submission arriving right now. Only blobs left alone for a grace
period are collected, and each is checked again just before it goes: references in the database
(in the transaction that deletes its `blobs` row, which a new reference waits for on PostgreSQL),
then its age in the store (a put of the same content renews it). What no check can rule out
without a lock shared with intake: the same content put again between that last look and the
delete (milliseconds), for a blob nothing referred to for the whole grace period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from storage.blobs.store import BlobStore, StoredBlob
from storage.db import transaction
from storage.errors import BlobNotFound
from storage.schema import system as s

log = logging.getLogger(__name__)
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class BlobReference:
    table: str
    column: str
    # "key": the column holds one blob sha256 (or NULL); "json_values": a JSON object whose
    # values are blob sha256s or null ({file name: sha256}).
    kind: Literal["key", "json_values"]


BLOB_REFERENCES: tuple[BlobReference, ...] = (
    BlobReference("submission_attachments", "blob_sha256", "key"),
    BlobReference("form_attachments", "blob_sha256", "key"),
    BlobReference("draft_submissions", "files", "json_values"),
)


@dataclass(slots=True)
class GcReport:
    """What a run found; `deleted*` stay 0 on a dry run."""

    scanned: int = 0
    scanned_bytes: int = 0
    recent: int = 0  # unreferenced, but younger than the grace period: left alone
    orphans: int = 0
    orphan_bytes: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    kept_at_recheck: int = 0  # referred to again, or put again, by the time of deleting
    catalogue_rows: int = 0  # `blobs` rows with no reference and no file, removed


def referenced_blobs(connection: Connection, candidates: Iterable[str]) -> set[str]:
    """Of `candidates`, the blob keys some row refers to."""
    wanted = set(candidates)
    if not wanted:
        return set()
    used: set[str] = set()
    for ref in BLOB_REFERENCES:
        column = s.metadata.tables[ref.table].c[ref.column]
        if ref.kind == "key":
            query = sa.select(column).where(column.in_(sorted(wanted))).distinct()
            used.update(connection.execute(query).scalars())
            continue
        # A JSON object per row: few rows (draft test submissions), read a page at a time.
        rows = connection.execute(sa.select(column).where(column.is_not(None)))
        for partition in rows.scalars().partitions(BATCH_SIZE):
            for files in partition:
                used.update(v for v in (files or {}).values() if v in wanted)
    return used


def referenced_keys(connection: Connection) -> Iterator[str]:
    """Every blob key some row refers to, once each, streamed (flat memory whatever the count)."""
    keys: list[sa.Select[tuple[str]]] = []
    in_json: set[str] = set()  # draft test submissions' files: few
    for ref in BLOB_REFERENCES:
        column = s.metadata.tables[ref.table].c[ref.column]
        if ref.kind == "key":
            keys.append(sa.select(column.label("sha256")).where(column.is_not(None)))
        else:
            rows = connection.execute(sa.select(column).where(column.is_not(None))).scalars()
            in_json.update(v for files in rows for v in (files or {}).values() if v)
    union = sa.union(*keys).subquery()
    query = sa.select(union.c.sha256).order_by(union.c.sha256)
    stream = connection.execution_options(stream_results=True, yield_per=BATCH_SIZE)
    for sha256 in stream.execute(query).scalars():
        in_json.discard(sha256)
        yield sha256
    yield from sorted(in_json)


def collect_garbage(
    engine: Engine,
    store: BlobStore,
    now: datetime,
    *,
    grace: timedelta,
    delete: bool,
    on_orphan: Callable[[StoredBlob, bool], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> GcReport:
    """Find (and with `delete`, remove) the blobs no row refers to that were last put before
    `now - grace`; then, with `delete`, the `blobs` rows left without a file or a reference.
    `on_orphan(blob, deleted)` is called for each orphan, as it is found or removed."""
    report = GcReport()
    cutoff = now - grace
    for batch in _batches(store.list_blobs(), batch_size):
        report.scanned += len(batch)
        report.scanned_bytes += sum(b.size for b in batch)
        with transaction(engine, read_only=True) as connection:
            used = referenced_blobs(connection, (b.sha256 for b in batch))
        for blob in batch:
            if blob.sha256 in used:
                continue
            if blob.modified > cutoff:
                report.recent += 1
                continue
            report.orphans += 1
            report.orphan_bytes += blob.size
            removed = delete and _delete_if_still_orphan(engine, store, blob.sha256, cutoff)
            if delete and not removed:
                report.kept_at_recheck += 1
            if removed:
                report.deleted += 1
                report.deleted_bytes += blob.size
            if on_orphan is not None:
                on_orphan(blob, removed)
    if delete:
        report.catalogue_rows = _delete_catalogue_orphans(engine, store, cutoff, batch_size)
    return report


class _Keep(Exception):
    """Raised to roll back the deletion of a blob found in use, or put again, at the re-check."""


def _delete_if_still_orphan(
    engine: Engine, store: BlobStore, sha256: str, cutoff: datetime
) -> bool:
    try:
        with transaction(engine) as connection:
            if referenced_blobs(connection, [sha256]):
                raise _Keep
            # A reference being written now holds (PostgreSQL) or waits for (SQLite) the row:
            # deleting it waits for that transaction, then fails on the foreign key.
            connection.execute(sa.delete(s.blobs).where(s.blobs.c.sha256 == sha256))
            try:
                if store.describe(sha256).modified > cutoff:
                    raise _Keep
            except BlobNotFound:
                raise _Keep from None
            store.delete(sha256)
    except _Keep:
        return False
    except IntegrityError:
        log.info("blob %s was referred to while being collected: kept", sha256)
        return False
    return True


def _delete_catalogue_orphans(
    engine: Engine, store: BlobStore, cutoff: datetime, batch_size: int
) -> int:
    """`blobs` rows older than the cutoff that nothing refers to and whose file is gone (a file
    that is there was seen by the pass over the store)."""
    removed, after = 0, ""
    while True:
        with transaction(engine, read_only=True) as connection:
            keys = list(
                connection.execute(
                    sa.select(s.blobs.c.sha256)
                    .where(s.blobs.c.sha256 > after, s.blobs.c.created_at < cutoff)
                    .order_by(s.blobs.c.sha256)
                    .limit(batch_size)
                ).scalars()
            )
            if not keys:
                return removed
            after = keys[-1]
            free = [k for k in keys if k not in referenced_blobs(connection, keys)]
        gone = [k for k in free if not store.exists(k)]
        if not gone:
            continue
        try:
            with transaction(engine) as connection:
                still = referenced_blobs(connection, gone)
                gone = [k for k in gone if k not in still]
                connection.execute(sa.delete(s.blobs).where(s.blobs.c.sha256.in_(gone)))
        except IntegrityError:
            continue  # one of them was referred to meanwhile: the next run takes the others
        removed += len(gone)


def _batches(items: Iterator[StoredBlob], size: int) -> Iterator[list[StoredBlob]]:
    batch: list[StoredBlob] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
