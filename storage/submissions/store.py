"""Storing submissions: one transaction writes the XML, the rows and the attachment records.

Duplicates are caught by the database's unique key on (form, instanceID), never by looking first:
two identical POSTs racing each other cannot both insert. An identical resend tops up missing
attachments; the same instanceID with other XML is a conflict; an edit (deprecatedID) replaces
the rows of the current version and keeps the old XML as history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.submission import AttachmentRef, Envelope, SubmissionRows
from converters.table_plan import TablePlan
from storage.blobs.store import BlobInfo
from storage.db import insert_ignoring_conflicts, is_postgres
from storage.errors import Conflict, DuplicateSubmission, NotFound, StorageCode
from storage.schema import system as s
from storage.submissions.attachments import ReceivedFile as ReceivedFile  # re-exported
from storage.submissions.attachments import attachment_records, blob_values
from storage.submissions.rows import delete_rows, write_rows


class Outcome(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    RESENT = "resent"  # identical XML sent again: missing attachments were added


@dataclass(frozen=True, slots=True)
class FormTarget:
    """Where a submission goes: its form, version, and the tables that version fills."""

    form_id: int
    form_version_id: int
    version: str
    physical: TablePlan
    version_plan: TablePlan
    tables: Mapping[str, sa.Table]


@dataclass(frozen=True, slots=True)
class Submitter:
    actor_id: int | None
    device_id: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class _StoredVersion:
    id: int
    submission_id: int
    instance_id: str
    xml_sha256: str
    is_current: bool
    deleted: bool  # the submission is in the trash


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    submission_id: int
    version_id: int
    instance_id: str
    outcome: Outcome
    attachments_present: int
    attachments_expected: int


def store_submission(
    connection: Connection,
    target: FormTarget,
    envelope: Envelope,
    xml: bytes,
    rows: SubmissionRows,
    files: Mapping[str, ReceivedFile],
    submitter: Submitter,
    now: datetime,
) -> StoredSubmission:
    digest = hashlib.sha256(xml).hexdigest()
    if was_purged(connection, target.form_id, envelope.instance_id):
        raise DuplicateSubmission(StorageCode.SUBMISSION_DELETED)
    if envelope.deprecated_id:
        existing = _version_by_instance(connection, target.form_id, envelope.instance_id)
        if existing is not None:  # the edit arrived before; this is a resend of it
            return _resend(connection, existing, digest, files, now)
        return _edit(connection, target, envelope, xml, digest, rows, files, submitter, now)
    # Insert first: the unique key, not a prior look-up, decides whether this is new.
    submission_id = connection.execute(
        insert_ignoring_conflicts(connection, s.submissions, s.submissions.c.id),
        submission_values(target, envelope, submitter, now),
    ).scalar()
    if submission_id is None:  # known already (a concurrent request's row is committed now)
        existing = _version_by_instance(connection, target.form_id, envelope.instance_id)
        if existing is None:
            raise DuplicateSubmission(StorageCode.SUBMISSION_EXISTS)
        return _resend(connection, existing, digest, files, now)
    version_id = _insert_version(
        connection, target, submission_id, envelope, xml, digest, submitter, now
    )
    if version_id is None:  # the instanceID belongs to an edit of another submission
        existing = _version_by_instance(connection, target.form_id, envelope.instance_id)
        assert existing is not None
        connection.execute(_DELETE_SUBMISSION, {"submission": submission_id})
        return _resend(connection, existing, digest, files, now)
    return _write_version(
        connection,
        target,
        submission_id,
        version_id,
        envelope,
        rows,
        files,
        {},
        now,
        Outcome.CREATED,
        envelope.instance_id,
    )


_DELETE_SUBMISSION = sa.delete(s.submissions).where(
    s.submissions.c.id == sa.bindparam("submission")
)


def _edit(
    connection: Connection,
    target: FormTarget,
    envelope: Envelope,
    xml: bytes,
    digest: str,
    rows: SubmissionRows,
    files: Mapping[str, ReceivedFile],
    submitter: Submitter,
    now: datetime,
) -> StoredSubmission:
    assert envelope.deprecated_id is not None
    previous = _version_by_instance(connection, target.form_id, envelope.deprecated_id, lock=True)
    if previous is None:
        raise NotFound(StorageCode.DEPRECATED_NOT_FOUND, instance_id=envelope.deprecated_id)
    if previous.deleted:
        raise DuplicateSubmission(StorageCode.SUBMISSION_DELETED)
    if not previous.is_current:
        raise Conflict(StorageCode.EDIT_STALE, instance_id=envelope.deprecated_id)
    submission_id = previous.submission_id
    # The previous version stops being current first: one current version per submission is
    # a unique index.
    connection.execute(
        sa.update(s.submission_versions)
        .where(s.submission_versions.c.id == previous.id)
        .values(is_current=False)
    )
    version_id = _insert_version(
        connection, target, submission_id, envelope, xml, digest, submitter, now
    )
    if version_id is None:  # a concurrent resend of this same edit stored it first
        raise Conflict(StorageCode.EDIT_STALE, instance_id=envelope.deprecated_id)
    connection.execute(
        sa.update(s.submissions)
        .where(s.submissions.c.id == submission_id)
        .values(updated_at=now, review_state="edited", instance_name=envelope.instance_name)
    )
    delete_rows(connection, target.tables, target.physical, submission_id)
    carried = _current_blobs(connection, previous.id)
    return _write_version(
        connection,
        target,
        submission_id,
        version_id,
        envelope,
        rows,
        files,
        carried,
        now,
        Outcome.EDITED,
        _logical_id(connection, submission_id),
    )


def _logical_id(connection: Connection, submission_id: int) -> str:
    """The instanceID a submission was first sent with: what Central keys its rows by."""
    return str(
        connection.execute(
            sa.select(s.submissions.c.instance_id).where(s.submissions.c.id == submission_id)
        ).scalar_one()
    )


def _write_version(
    connection: Connection,
    target: FormTarget,
    submission_id: int,
    version_id: int,
    envelope: Envelope,
    rows: SubmissionRows,
    files: Mapping[str, ReceivedFile],
    carried: Mapping[str, tuple[str, str | None]],
    now: datetime,
    outcome: Outcome,
    logical_id: str,
) -> StoredSubmission:
    """The rows and attachment records of a version just inserted."""
    write_rows(
        connection,
        target.tables,
        target.version_plan,
        rows.rows,
        submission_id=submission_id,
        version_id=version_id,
        form_version=target.version,
        instance_id=logical_id,
    )
    present, expected = _attach(connection, version_id, rows.attachments, files, carried, now)
    return StoredSubmission(
        submission_id, version_id, envelope.instance_id, outcome, present, expected
    )


def _resend(
    connection: Connection,
    existing: _StoredVersion,
    digest: str,
    files: Mapping[str, ReceivedFile],
    now: datetime,
) -> StoredSubmission:
    if existing.deleted:
        raise DuplicateSubmission(StorageCode.SUBMISSION_DELETED)
    if existing.xml_sha256 != digest:
        raise DuplicateSubmission(StorageCode.SUBMISSION_EXISTS)
    table = s.submission_attachments
    missing = connection.execute(
        sa.select(table.c.id, table.c.name).where(
            table.c.submission_version_id == existing.id, table.c.blob_sha256.is_(None)
        )
    ).all()
    for attachment in missing:
        received = files.get(attachment.name)
        if received is not None:
            register_blob(connection, received, now)
            connection.execute(
                sa.update(table)
                .where(table.c.id == attachment.id)
                .values(
                    blob_sha256=received.blob.sha256,
                    content_type=received.content_type,
                    received_at=now,
                )
            )
    present, expected = attachment_counts(connection, existing.id)
    return StoredSubmission(
        existing.submission_id, existing.id, existing.instance_id, Outcome.RESENT, present, expected
    )


def attachment_counts(connection: Connection, version_id: int) -> tuple[int, int]:
    table = s.submission_attachments
    row = connection.execute(
        sa.select(sa.func.count(table.c.blob_sha256), sa.func.count()).where(
            table.c.submission_version_id == version_id
        )
    ).one()
    return int(row[0]), int(row[1])


def original_submitter(connection: Connection, form_id: int, instance_id: str) -> int | None:
    """Who first sent the submission that has a version `instance_id` (None: sent without an
    account). NotFound when the form has no such version."""
    v, sub = s.submission_versions, s.submissions
    row = connection.execute(
        sa.select(sub.c.submitter_id)
        .join(v, v.c.submission_id == sub.c.id)
        .where(v.c.form_id == form_id, v.c.instance_id == instance_id)
    ).first()
    if row is None:
        raise NotFound(StorageCode.DEPRECATED_NOT_FOUND, instance_id=instance_id)
    return None if row.submitter_id is None else int(row.submitter_id)


def _version_by_instance(
    connection: Connection, form_id: int, instance_id: str, lock: bool = False
) -> _StoredVersion | None:
    table = s.submission_versions
    query = (
        sa.select(
            table.c.id,
            table.c.submission_id,
            table.c.instance_id,
            table.c.xml_sha256,
            table.c.is_current,
            s.submissions.c.deleted_at.is_not(None),
        )
        .join(s.submissions, s.submissions.c.id == table.c.submission_id)
        .where(table.c.form_id == form_id, table.c.instance_id == instance_id)
    )
    if lock and is_postgres(connection):
        query = query.with_for_update()  # two edits of one version: the second sees it stale
    row = connection.execute(query).first()
    if row is None:
        return None
    return _StoredVersion(int(row[0]), int(row[1]), str(row[2]), str(row[3]), row[4], bool(row[5]))


def purge_key(form_id: int, instance_id: str) -> str:
    """What purged_submissions keeps of a purged submission's instanceID: a hash, no data."""
    return hashlib.sha256(f"{form_id}\0{instance_id}".encode()).hexdigest()


def was_purged(connection: Connection, form_id: int, instance_id: str) -> bool:
    table = s.purged_submissions
    key = purge_key(form_id, instance_id)
    return connection.execute(sa.select(1).where(table.c.instance_hash == key)).first() is not None


def _insert_version(
    connection: Connection,
    target: FormTarget,
    submission_id: int,
    envelope: Envelope,
    xml: bytes,
    digest: str,
    submitter: Submitter,
    now: datetime,
) -> int | None:
    """The new version's id, or None when its instanceID is already taken."""
    values = version_values(target, envelope, xml, digest, submitter, now)
    version_id = connection.execute(
        insert_ignoring_conflicts(connection, s.submission_versions, s.submission_versions.c.id),
        {**values, "submission_id": submission_id},
    ).scalar()
    return int(version_id) if version_id is not None else None


def submission_values(
    target: FormTarget, envelope: Envelope, submitter: Submitter, now: datetime
) -> dict[str, object]:
    """A new submission's row."""
    return {
        "form_id": target.form_id,
        "instance_id": envelope.instance_id,
        "submitter_id": submitter.actor_id,
        "device_id": submitter.device_id,
        "user_agent": submitter.user_agent,
        "instance_name": envelope.instance_name,
        "created_at": now,
    }


def version_values(
    target: FormTarget,
    envelope: Envelope,
    xml: bytes,
    digest: str,
    submitter: Submitter,
    now: datetime,
) -> dict[str, object]:
    """A new current version's row, but for its submission_id."""
    return {
        "form_id": target.form_id,
        "form_version_id": target.form_version_id,
        "instance_id": envelope.instance_id,
        "deprecated_id": envelope.deprecated_id,
        "xml": xml.decode("utf-8"),
        "xml_sha256": digest,
        "submitter_id": submitter.actor_id,
        "device_id": submitter.device_id,
        "user_agent": submitter.user_agent,
        "instance_name": envelope.instance_name,
        "is_current": True,
        "created_at": now,
    }


def _current_blobs(connection: Connection, version_id: int) -> dict[str, tuple[str, str | None]]:
    table = s.submission_attachments
    rows = connection.execute(
        sa.select(table.c.name, table.c.blob_sha256, table.c.content_type).where(
            table.c.submission_version_id == version_id, table.c.blob_sha256.is_not(None)
        )
    )
    return {r.name: (r.blob_sha256, r.content_type) for r in rows}


def _attach(
    connection: Connection,
    version_id: int,
    expected: Sequence[AttachmentRef],
    files: Mapping[str, ReceivedFile],
    carried: Mapping[str, tuple[str, str | None]],
    now: datetime,
) -> tuple[int, int]:
    """One attachment row per file the XML names; files received (or kept from the version an
    edit replaces) are linked to their blob, the others wait for a later POST."""
    records, received = attachment_records(expected, files, carried, now)
    for file in received:
        register_blob(connection, file, now)
    if records:
        for record in records:
            record["submission_version_id"] = version_id
        connection.execute(sa.insert(s.submission_attachments), records)
    return sum(1 for r in records if r["blob_sha256"]), len(records)


def register_blob(connection: Connection, received: ReceivedFile, now: datetime) -> None:
    connection.execute(insert_ignoring_conflicts(connection, s.blobs), blob_values(received, now))


def attach_file(
    connection: Connection,
    version_id: int,
    name: str,
    blob: BlobInfo,
    content_type: str | None,
    now: datetime,
) -> None:
    """Link an uploaded file to the attachment the submission's XML names."""
    received = ReceivedFile(name, blob, content_type)
    register_blob(connection, received, now)
    table = s.submission_attachments
    updated = connection.execute(
        sa.update(table)
        .where(table.c.submission_version_id == version_id, table.c.name == name)
        .values(blob_sha256=blob.sha256, content_type=content_type, received_at=now)
    ).rowcount
    if not updated:
        raise NotFound(
            StorageCode.NOT_FOUND, what=f"an attachment named '{name}' in this submission's XML"
        )
