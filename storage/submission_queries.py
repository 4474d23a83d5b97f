"""Reading submissions back: by their logical id, their current XML, their attachments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage import schema as s
from storage.errors import NotFound, StorageCode


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    id: int
    form_id: int
    instance_id: str
    current_version_id: int
    submitter_id: int | None
    device_id: str | None
    user_agent: str | None
    instance_name: str | None
    review_state: str | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    name: str
    xpath: str | None
    blob_sha256: str | None
    md5: str | None
    size: int | None
    content_type: str | None


def get_submission(connection: Connection, form_id: int, instance_id: str) -> SubmissionRecord:
    """A submission by its logical id: the instanceID it was first sent with."""
    row = (
        connection.execute(
            sa.select(s.submissions, s.submission_versions.c.id.label("current_version_id"))
            .join(
                s.submission_versions,
                sa.and_(
                    s.submission_versions.c.submission_id == s.submissions.c.id,
                    s.submission_versions.c.is_current,
                ),
            )
            .where(
                s.submissions.c.form_id == form_id,
                s.submissions.c.instance_id == instance_id,
                s.submissions.c.deleted_at.is_(None),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the submission {instance_id}")
    return SubmissionRecord(
        id=row["id"],
        form_id=row["form_id"],
        instance_id=row["instance_id"],
        current_version_id=row["current_version_id"],
        submitter_id=row["submitter_id"],
        device_id=row["device_id"],
        user_agent=row["user_agent"],
        instance_name=row["instance_name"],
        review_state=row["review_state"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def list_attachments(connection: Connection, version_id: int) -> list[AttachmentRecord]:
    table = s.submission_attachments
    rows = connection.execute(
        sa.select(
            table.c.name,
            table.c.xpath,
            table.c.blob_sha256,
            s.blobs.c.md5,
            s.blobs.c.size,
            table.c.content_type,
        )
        .outerjoin(s.blobs, s.blobs.c.sha256 == table.c.blob_sha256)
        .where(table.c.submission_version_id == version_id)
        .order_by(table.c.name)
    )
    return [AttachmentRecord(*r) for r in rows]


def get_xml(connection: Connection, version_id: int) -> str:
    return str(
        connection.execute(
            sa.select(s.submission_versions.c.xml).where(s.submission_versions.c.id == version_id)
        ).scalar_one()
    )
